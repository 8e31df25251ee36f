// HfTokenizer::decode, token and display_token: the decoders of tokenizer.json and the
// U+FFFD that bytes which are not UTF-8 become, as in Hugging Face tokenizers 0.22.
#include <gtest/gtest.h>

#include "byte_level_alphabet.h"
#include "tokenizer_docs.h"

namespace attnviz::test {
namespace {

using Ids = std::vector<int64_t>;
const std::string kFFFD = "\uFFFD";

json byte_level_decoder() { return {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", false}}; }

// The 256 byte-level characters, id = byte, then "<|im_end|>" (256, special).
std::unique_ptr<HfTokenizer> byte_level_tokenizer() {
  std::vector<std::string> tokens;
  for (int b = 0; b < 256; ++b) tokens.push_back(tok::byte_level_char(static_cast<unsigned char>(b)));
  DocParts parts{bpe_model(tokens, {})};
  parts.pre_tokenizer = byte_level_decoder();
  parts.decoder = byte_level_decoder();
  parts.added_tokens = {added_token("<|im_end|>", 256, true)};
  return load(tokenizer_doc(parts));
}

// Llama-2's decoder chain over byte tokens <0x00>..<0xFF> (ids 3..258).
std::unique_ptr<HfTokenizer> llama_like_tokenizer() {
  std::vector<std::string> tokens = {"<unk>", "<s>", "</s>"};
  char name[8];
  for (int b = 0; b < 256; ++b) {
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    tokens.push_back(name);
  }
  for (const char* t : {"\u2581the", "\u2581", "a"}) tokens.push_back(t);  // 259, 260, 261
  DocParts parts{bpe_model(tokens, {}, {{"unk_token", "<unk>"}, {"byte_fallback", true}})};
  parts.decoder = {{"type", "Sequence"},
                   {"decoders",
                    {{{"type", "Replace"}, {"pattern", {{"String", "\u2581"}}}, {"content", " "}},
                     {{"type", "ByteFallback"}},
                     {{"type", "Fuse"}},
                     {{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}}}}};
  parts.added_tokens = {added_token("<unk>", 0, true), added_token("<s>", 1, true), added_token("</s>", 2, true)};
  return load(tokenizer_doc(parts));
}
int64_t byte_id(unsigned char b) { return 3 + b; }

TEST(HfDecode, ByteLevelJoinsBytesAcrossTokens) {
  auto tok = byte_level_tokenizer();
  const std::string smile = "\xF0\x9F\x98\x80";  // one character, four tokens
  Ids ids;
  for (unsigned char b : smile) ids.push_back(b);
  EXPECT_EQ(tok->decode(ids), smile);
  EXPECT_EQ(tok->encode("a " + smile), (Ids{'a', ' ', 0xF0, 0x9F, 0x98, 0x80}));
}

TEST(HfDecode, ByteLevelReplacesEachMaximalBadSequenceOnce) {
  auto tok = byte_level_tokenizer();
  EXPECT_EQ(tok->decode({0xF0, 0x9F, 0x98}), kFFFD);               // a truncated 4-byte sequence
  EXPECT_EQ(tok->decode({0xE2, 0x82, 'A'}), kFFFD + "A");          // truncated, then ASCII
  EXPECT_EQ(tok->decode({0xFF, 0xFE}), kFFFD + kFFFD);             // never valid: one each
  EXPECT_EQ(tok->decode({0xED, 0xA0, 0x80}), kFFFD + kFFFD + kFFFD);  // a surrogate, three bad bytes
  EXPECT_EQ(tok->decode({0xC0, 0xAF}), kFFFD + kFFFD);             // overlong
}

TEST(HfDecode, SpecialTokensAreSkippedOnRequest) {
  auto tok = byte_level_tokenizer();
  EXPECT_EQ(tok->decode({'h', 'i', 256}, false), "hi<|im_end|>");
  EXPECT_EQ(tok->decode({'h', 'i', 256}, true), "hi");
  EXPECT_EQ(tok->decode({'h', 999999, 'i'}), "hi");  // ids naming nothing are left out
}

TEST(HfDecode, ByteFallbackDecodesRunsOfByteTokens) {
  auto tok = llama_like_tokenizer();
  // "日" is E6 97 A5: valid as a run, even across tokens.
  EXPECT_EQ(tok->decode({byte_id(0xE6), byte_id(0x97), byte_id(0xA5)}), "\u65E5");
  // A run that is not UTF-8 as a whole: one U+FFFD per byte, even for its valid part.
  EXPECT_EQ(tok->decode({byte_id(0xE6), byte_id(0x97), byte_id('A')}), kFFFD + kFFFD + kFFFD);
  EXPECT_EQ(tok->decode({byte_id(0xE6), 261, byte_id('A')}), kFFFD + "aA");
  EXPECT_EQ(tok->decode({byte_id('\n')}), "\n");
}

TEST(HfDecode, LlamaChainReplacesMarksAndStripsOneLeadingSpace) {
  auto tok = llama_like_tokenizer();
  EXPECT_EQ(tok->decode({259, 260, 259}), "the  the");
  EXPECT_EQ(tok->decode({1, 259}, false), "<s> the");  // the strip applies to the whole text
  EXPECT_EQ(tok->decode({1, 259}, true), "the");
}

TEST(HfDecode, StripRemovesUpToTheGivenCounts) {
  DocParts parts{bpe_model({"x", "a"}, {})};
  parts.decoder = {{"type", "Sequence"},
                   {"decoders", {{{"type", "Fuse"}}, {{"type", "Strip"}, {"content", "x"}, {"start", 2}, {"stop", 1}}}}};
  auto tok = load(tokenizer_doc(parts));
  EXPECT_EQ(tok->decode({0, 0, 0, 1, 0, 0}), "xax");
  EXPECT_EQ(tok->decode({1}), "a");
}

TEST(HfDecode, MetaspaceDropsTheFirstTokensMarks) {
  DocParts parts{bpe_model({"\u2581a", "\u2581b\u2581"}, {})};
  parts.decoder = {{"type", "Metaspace"}, {"replacement", "\u2581"}, {"prepend_scheme", "always"}, {"split", true}};
  EXPECT_EQ(load(tokenizer_doc(parts))->decode({0, 1}), "a b ");
  EXPECT_EQ(load(tokenizer_doc(parts))->decode({1, 0}), "b a");  // every mark of the first token goes
  parts.decoder["prepend_scheme"] = "never";
  EXPECT_EQ(load(tokenizer_doc(parts))->decode({0, 1}), " a b ");
}

TEST(HfDecode, WithoutDecoderTokensAreJoinedWithSpaces) {
  auto tok = load(tokenizer_doc({bpe_model({"ab", "c"}, {})}));
  EXPECT_EQ(tok->decode({0, 1, 0}), "ab c ab");
}

TEST(HfDecode, TokenIsTheStoredString) {
  auto tok = byte_level_tokenizer();
  EXPECT_EQ(tok->token(' '), "\u0120");
  EXPECT_EQ(tok->token(256), "<|im_end|>");
  EXPECT_EQ(tok->token(5000), "<5000>");
  EXPECT_EQ(tok->token(-1), "<-1>");
  EXPECT_EQ(tok->vocab_size(), 257);
}

TEST(HfDisplay, ByteLevelMarksBecomeVisibleCharacters) {
  auto tok = byte_level_tokenizer();
  EXPECT_EQ(tok->display_token(' '), "\u2423");   // Ġ -> ␣
  EXPECT_EQ(tok->display_token('\n'), "\u21B5");  // Ċ -> ↵
  EXPECT_EQ(tok->display_token('\t'), "\u21E5");  // ĉ -> ⇥
  EXPECT_EQ(tok->display_token('\r'), "\u240D");
  EXPECT_EQ(tok->display_token(0x01), "\\x01");
  EXPECT_EQ(tok->display_token(0xE6), "<0xE6>");  // a byte that is not text alone
  EXPECT_EQ(tok->display_token('a'), "a");
  EXPECT_EQ(tok->display_token(256), "<|im_end|>");
  EXPECT_EQ(tok->display_token(5000), "<5000>");
}

TEST(HfDisplay, MetaspaceAndByteFallbackTokens) {
  auto tok = llama_like_tokenizer();
  EXPECT_EQ(tok->display_token(259), "\u2423the");  // ▁the; not stripped, although first
  EXPECT_EQ(tok->display_token(byte_id('\n')), "\u21B5");
  EXPECT_EQ(tok->display_token(byte_id(' ')), "\u2423");
  EXPECT_EQ(tok->display_token(byte_id(0xE6)), "<0xE6>");
  EXPECT_EQ(tok->display_token(1), "<s>");
}

TEST(HfDisplay, AddedTokensShowTheirWhiteSpace) {
  DocParts parts{bpe_model({"a"}, {})};
  parts.added_tokens = {added_token("\t\t", 1, false, {{"normalized", false}}), added_token("<x y>", 2, true)};
  auto tok = load(tokenizer_doc(parts));
  EXPECT_EQ(tok->display_token(1), "\u21E5\u21E5");
  EXPECT_EQ(tok->display_token(2), "<x\u2423y>");
}

TEST(HfDisplay, OnlySpecialTokensSkipTheDecoder) {
  // Gemma lists "▁▁" among its (not special) added tokens; it decodes to two spaces.
  DocParts parts{bpe_model({"a", "\u2581\u2581", "<\u2581>"}, {})};
  parts.decoder = {{"type", "Replace"}, {"pattern", {{"String", "\u2581"}}}, {"content", " "}};
  parts.added_tokens = {added_token("\u2581\u2581", 1, false, {{"normalized", false}}), added_token("<\u2581>", 2, true)};
  auto tok = load(tokenizer_doc(parts));
  EXPECT_EQ(tok->display_token(1), "\u2423\u2423");
  EXPECT_EQ(tok->display_token(2), "<\u2581>");
}

}  // namespace
}  // namespace attnviz::test
