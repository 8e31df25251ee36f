// What HfTokenizer refuses: every unsupported component by name, settings that would
// change the ids, broken files and text that is not UTF-8. Each is one line, with the
// exit code of its kind (attnviz/error.h).
#include <gtest/gtest.h>

#include <fstream>

#include "attnviz/error.h"
#include "test_support.h"
#include "tokenizer_docs.h"

namespace attnviz::test {
namespace {

DocParts minimal() { return DocParts{bpe_model({"a", "b", "ab"}, {"a b"})}; }

void expect_error(const json& doc, const std::string& message) {
  const std::string error = load_error(doc);
  EXPECT_EQ(error, message);
  EXPECT_EQ(error.find('\n'), std::string::npos);
}

TEST(HfErrors, UnsupportedComponentsAreNamed) {
  DocParts p = minimal();
  p.normalizer = {{"type", "NFKC"}};
  expect_error(tokenizer_doc(p), "tokenizer.json: normalizer NFKC is not supported");
  p = minimal();
  p.normalizer = {{"type", "Sequence"}, {"normalizers", {{{"type", "NFC"}}, {{"type", "Lowercase"}}}}};
  expect_error(tokenizer_doc(p), "tokenizer.json: normalizer Lowercase is not supported");
  p = minimal();
  p.pre_tokenizer = {{"type", "Whitespace"}};
  expect_error(tokenizer_doc(p), "tokenizer.json: pre_tokenizer Whitespace is not supported");
  p = minimal();
  p.post_processor = {{"type", "BertProcessing"}, {"sep", {"[SEP]", 1}}, {"cls", {"[CLS]", 0}}};
  expect_error(tokenizer_doc(p), "tokenizer.json: post_processor BertProcessing is not supported");
  p = minimal();
  p.decoder = {{"type", "WordPiece"}, {"prefix", "##"}, {"cleanup", true}};
  expect_error(tokenizer_doc(p), "tokenizer.json: decoder WordPiece is not supported");
  p = minimal();
  p.model = {{"type", "Unigram"}, {"unk_id", 0}, {"vocab", json::array({json::array({"a", -1.0})})}};
  expect_error(tokenizer_doc(p), "tokenizer.json: model Unigram is not supported");
  p = minimal();
  p.model = {{"type", "WordPiece"}, {"unk_token", "[UNK]"}, {"vocab", {{"a", 0}}}};
  expect_error(tokenizer_doc(p), "tokenizer.json: model WordPiece is not supported");
}

TEST(HfErrors, SettingsThatWouldChangeTheIds) {
  DocParts p = minimal();
  p.model["dropout"] = 0.1;
  expect_error(tokenizer_doc(p), "tokenizer.json: model BPE: dropout must be null (random merges would make the ids vary)");
  p.model["dropout"] = 0.0;  // no dropout, as in Hugging Face
  EXPECT_EQ(load_error(tokenizer_doc(p)), "");

  json doc = tokenizer_doc(minimal());
  doc["truncation"] = {{"max_length", 512}, {"strategy", "LongestFirst"}, {"stride", 0}, {"direction", "Right"}};
  expect_error(doc, "tokenizer.json: truncation is not supported (set it to null)");
  doc = tokenizer_doc(minimal());
  doc["padding"] = {{"strategy", {{"Fixed", 128}}}, {"pad_id", 0}};
  expect_error(doc, "tokenizer.json: padding other than BatchLongest is not supported (set it to null)");
  doc["padding"] = {{"strategy", "BatchLongest"}, {"pad_id", 0}, {"pad_to_multiple_of", nullptr}};
  EXPECT_EQ(load_error(doc), "");

  p = minimal();
  p.post_processor = {{"type", "Sequence"},
                      {"processors", {template_processing({{"a", 0}}, {}), template_processing({{"b", 1}}, {})}}};
  expect_error(tokenizer_doc(p),
               "tokenizer.json: post_processor Sequence: more than one TemplateProcessing is not supported");
}

TEST(HfErrors, BrokenDocuments) {
  expect_error(json::array(), "tokenizer.json: is not a JSON object");
  expect_error({{"version", "1.0"}}, "tokenizer.json: there is no \"model\"");
  json doc = tokenizer_doc(minimal());
  doc["version"] = "2.0";
  expect_error(doc, "tokenizer.json: version \"2.0\" is not supported (1.0 is)");

  DocParts p = minimal();
  p.model["merges"] = {"a c"};
  expect_error(tokenizer_doc(p), "tokenizer.json: merge 1 (a c) uses c, which is not in the vocabulary");
  p.model["merges"] = {"a b c"};
  expect_error(tokenizer_doc(p), "tokenizer.json: model.merges entry 1 is neither \"left right\" nor [left, right]");
  p.model["merges"] = {{"a", "b", "c"}};
  expect_error(tokenizer_doc(p), "tokenizer.json: model.merges entry 1 is neither \"left right\" nor [left, right]");
  p = minimal();
  p.model["vocab"]["c"] = -3;
  expect_error(tokenizer_doc(p), "tokenizer.json: model.vocab: the id of c is -3, not a non-negative 32-bit integer");
  p = minimal();
  p.model.erase("merges");
  expect_error(tokenizer_doc(p), "tokenizer.json: model BPE: \"merges\" is missing or not a list");
  p = minimal();
  p.pre_tokenizer = split("Regex", "(unclosed", "Isolated");
  EXPECT_NE(load_error(tokenizer_doc(p)).find("tokenizer.json: pre_tokenizer Split: pattern (unclosed does not compile"),
            std::string::npos);
  p.pre_tokenizer = split("Regex", "a", "Sideways");
  expect_error(tokenizer_doc(p),
               "tokenizer.json: pre_tokenizer Split: behavior Sideways is not one of Removed, Isolated, "
               "MergedWithPrevious, MergedWithNext, Contiguous");
  p.pre_tokenizer = {{"type", "Metaspace"}, {"replacement", "\u2581"}, {"add_prefix_space", false}};
  expect_error(tokenizer_doc(p), "tokenizer.json: pre_tokenizer Metaspace: add_prefix_space false does not match prepend_scheme");
}

TEST(HfErrors, JsonErrorsGiveTheirPlace) {
  try {
    HfTokenizer::from_json("{\"model\": [1, 2,]}", "t.json");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::model);
    EXPECT_EQ(std::string(e.what()), "t.json: not valid JSON at byte 16: unexpected character");
  }
  EXPECT_THROW(HfTokenizer::from_json("", "t.json"), Error);
  EXPECT_THROW(HfTokenizer::from_json("{\"a\": \"\xff\"}", "t.json"), Error);
}

TEST(HfErrors, TextThatIsNotUtf8IsAUsageError) {
  auto tok = load(tokenizer_doc(minimal()));
  for (const std::string bad : {"ab\xff", "\xC3", "a\xED\xA0\x80", "\xC0\xAF"}) {
    try {
      tok->encode(bad);
      FAIL() << "accepted " << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::usage);
      EXPECT_NE(std::string(e.what()).find("text to tokenize is not valid UTF-8 (byte 0x"), std::string::npos) << e.what();
    }
  }
  try {
    tok->encode("ab\xff");
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "text to tokenize is not valid UTF-8 (byte 0xFF at offset 2)");
  }
}

TEST(HfErrors, FilesThatCannotBeRead) {
  TempDir dir("hf_files");
  try {
    HfTokenizer::from_file(dir.file("absent.json"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::input);
    EXPECT_EQ(std::string(e.what()), dir.file("absent.json") + ": cannot be read: No such file or directory");
  }
  try {
    HfTokenizer::from_file(dir.path());
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), dir.path() + ": is not a regular file");
  }
  write_text(dir.file("t.json"), tokenizer_doc(minimal()).dump());
  EXPECT_EQ(HfTokenizer::from_file(dir.file("t.json"))->encode("ab"), (std::vector<int64_t>{2}));
}

}  // namespace
}  // namespace attnviz::test
