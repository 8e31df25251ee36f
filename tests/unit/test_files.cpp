#include <gtest/gtest.h>

#include "attnviz/atomic_file.h"
#include "attnviz/error.h"
#include "attnviz/npy.h"
#include "test_support.h"

using namespace attnviz;

TEST(Npy, RoundTripsAndMatchesTheNumpyHeaderLayout) {
  std::vector<float> data = {1.5f, -2.0f, 0.25f, 3.0f, 4.0f, 5.0f};
  std::string bytes = encode_npy_f32({2, 1, 3}, data.data());
  EXPECT_EQ(bytes.compare(0, 8, std::string("\x93NUMPY\x01\x00", 8)), 0);
  size_t header_len = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
  EXPECT_EQ((10 + header_len) % 64, 0u);
  EXPECT_NE(bytes.find("'shape': (2, 1, 3)"), std::string::npos);
  auto a = decode_npy(bytes, "x.npy");
  EXPECT_EQ(a.dtype, "<f4");
  EXPECT_EQ(a.shape, (std::vector<int64_t>{2, 1, 3}));
  EXPECT_EQ(a.f32, data);
  EXPECT_NE(encode_npy_f32({4}, data.data()).find("'shape': (4,)"), std::string::npos);
}

TEST(Npy, RejectsTruncatedAndForeignFiles) {
  std::vector<float> data = {1, 2, 3};
  std::string bytes = encode_npy_f32({3}, data.data());
  EXPECT_THROW(decode_npy(bytes.substr(0, bytes.size() - 1), "t.npy"), Error);
  EXPECT_THROW(decode_npy("hello", "t.npy"), Error);
  EXPECT_THROW(decode_npy("", "t.npy"), Error);
}

TEST(AtomicFile, WritesWholeFilesAndLeavesNoTemporaries) {
  test::TempDir dir("atomic");
  write_file_atomic(dir.file("a.txt"), "hello");
  write_file_atomic(dir.file("a.txt"), "world!");
  EXPECT_EQ(test::read_text(dir.file("a.txt")), "world!");
  EXPECT_EQ(dir.list(), (std::vector<std::string>{"a.txt"}));
}

TEST(AtomicFile, UnwritableTargetIsAnOutputErrorNamingThePath) {
  test::TempDir dir("atomic-bad");
  try {
    write_file_atomic(dir.file("missing/sub/a.txt"), "x");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::output);
    EXPECT_NE(std::string(e.what()).find("missing/sub/a.txt"), std::string::npos);
  }
  EXPECT_TRUE(dir.list().empty());
}

TEST(AtomicFile, ReadFileNamesMissingFilesAndDirectories) {
  test::TempDir dir("read");
  EXPECT_THROW(read_file(dir.file("nope")), Error);
  try {
    read_file(dir.path());
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("directory"), std::string::npos);
  }
}
