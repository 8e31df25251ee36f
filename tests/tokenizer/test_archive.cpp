// read_archive_extra_file on archives torch.jit.save wrote, zip64 ones (one of them with
// its zip beyond 4 GB in a sparse file) and broken ones, all made by make_archives.py.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include "attnviz/archive.h"
#include "attnviz/error.h"
#include "test_support.h"

namespace attnviz::test {
namespace {

std::string archive(const std::string& name) { return std::string(ATTNVIZ_ARCHIVE_FIXTURES) + "/" + name; }

std::string model_error(const std::string& name) {
  try {
    read_archive_extra_file(archive(name), "tokenizer.json");
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::model);
    return e.what();
  }
  return "";
}

TEST(Archive, ReadsTheExtraFilesTorchJitSaveWrote) {
  const std::string expected = read_text(archive("tokenizer.json"));
  EXPECT_EQ(read_archive_extra_file(archive("with_tokenizer.pt"), "tokenizer.json"), expected);
  EXPECT_EQ(read_archive_extra_file(archive("with_tokenizer.pt"), "attnviz.json"), "{\"name\": \"tiny\"}");
  EXPECT_EQ(read_archive_extra_file(archive("with_tokenizer.pt"), "json"), std::nullopt);  // whole names only
  EXPECT_EQ(read_archive_extra_file(archive("without_tokenizer.pt"), "tokenizer.json"), std::nullopt);
}

TEST(Archive, ReadsZip64Archives) {
  const std::string expected = read_text(archive("tokenizer.json"));
  EXPECT_EQ(read_archive_extra_file(archive("zip64.pt"), "tokenizer.json"), expected);
  struct stat st {};
  if (stat(archive("beyond_4gb.zip").c_str(), &st) != 0) GTEST_SKIP() << "this file system cannot hold a sparse 4.5 GB file";
  ASSERT_GT(st.st_size, 4'000'000'000);
  EXPECT_EQ(read_archive_extra_file(archive("beyond_4gb.zip"), "tokenizer.json"), expected);
}

TEST(Archive, BrokenArchivesAreModelErrors) {
  EXPECT_EQ(model_error("compressed.zip"),
            archive("compressed.zip") +
                ": c/extra/tokenizer.json is compressed (zip method 8); only stored entries are read, as torch.jit.save "
                "writes extra files");
  EXPECT_EQ(model_error("crc_broken.pt"), archive("crc_broken.pt") + ": with_tokenizer/extra/tokenizer.json is damaged (CRC mismatch)");
  EXPECT_EQ(model_error("truncated.pt"),
            archive("truncated.pt") + ": no end-of-central-directory record: not a zip archive (a TorchScript model is one)");
  EXPECT_EQ(model_error("not_a_zip.pt"),
            archive("not_a_zip.pt") + ": too short to be a zip archive (a TorchScript model is one)");
  EXPECT_EQ(model_error("absent.pt"), archive("absent.pt") + ": cannot be read: No such file or directory");
  EXPECT_EQ(model_error(""), archive("") + ": is not a regular file");  // the fixture directory
}

}  // namespace
}  // namespace attnviz::test
