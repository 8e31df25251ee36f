// HfTokenizer::encode on small hand-written tokenizer.json documents, one component at
// a time. Expected ids follow Hugging Face tokenizers 0.22's semantics (its sources and
// documentation); parity.sh checks the same components against the library itself.
#include <gtest/gtest.h>

#include "byte_level_alphabet.h"
#include "tokenizer_docs.h"

namespace attnviz::test {
namespace {

using Ids = std::vector<int64_t>;

// Printable ASCII, one token per character: id = code - 32 (' ' is 0, 'a' is 65).
std::vector<std::string> ascii_tokens() {
  std::vector<std::string> t;
  for (char c = ' '; c <= '~'; ++c) t.emplace_back(1, c);
  return t;
}
int64_t ascii(char c) { return c - ' '; }
Ids ascii_ids(const std::string& s) {
  Ids ids;
  for (char c : s) ids.push_back(ascii(c));
  return ids;
}

// The 256 byte-level characters with id = byte, then the tokens of `merges`.
json byte_level_model(const std::vector<std::string>& merges, const json& settings = json::object()) {
  std::vector<std::string> tokens;
  for (int b = 0; b < 256; ++b) tokens.push_back(tok::byte_level_char(static_cast<unsigned char>(b)));
  for (const auto& m : merges) tokens.push_back(m.substr(0, m.find(' ')) + m.substr(m.find(' ') + 1));
  return bpe_model(tokens, merges, settings);
}

TEST(HfEncode, MergesApplyLowestRankFirst) {
  auto tok = load(tokenizer_doc({bpe_model({"a", "b", "c", "ab", "bc", "abc"}, {"b c", "a b", "a bc"})}));
  EXPECT_EQ(tok->encode("abc"), (Ids{5}));  // b+c first (rank 0), then a+bc
  tok = load(tokenizer_doc({bpe_model({"a", "b", "c", "ab", "bc", "abc"}, {"a b", "b c", "ab c"})}));
  EXPECT_EQ(tok->encode("abc"), (Ids{5}));  // a+b first, then ab+c
  tok = load(tokenizer_doc({bpe_model({"a", "b", "c", "ab", "bc"}, {"a b", "b c"})}));
  EXPECT_EQ(tok->encode("abc"), (Ids{3, 2}));  // a+b wins; bc can no longer form
}

TEST(HfEncode, EqualRanksMergeLeftmostFirst) {
  auto tok = load(tokenizer_doc({bpe_model({"a", "aa"}, {"a a"})}));
  EXPECT_EQ(tok->encode("aaa"), (Ids{1, 0}));
  EXPECT_EQ(tok->encode("aaaa"), (Ids{1, 1}));
}

TEST(HfEncode, MergesAcceptThePairForm) {
  json model = bpe_model({"a", "b", "ab"}, {});
  model["merges"] = json::array({json::array({"a", "b"})});
  EXPECT_EQ(load(tokenizer_doc({model}))->encode("ab"), (Ids{2}));
}

TEST(HfEncode, IgnoreMergesTakesWholeWordsFromTheVocabulary) {
  // "ab" is in the vocabulary but no merge makes it.
  auto plain = load(tokenizer_doc({bpe_model({"a", "b", "ab"}, {})}));
  EXPECT_EQ(plain->encode("ab"), (Ids{0, 1}));
  auto ignoring = load(tokenizer_doc({bpe_model({"a", "b", "ab"}, {}, {{"ignore_merges", true}})}));
  EXPECT_EQ(ignoring->encode("ab"), (Ids{2}));
  EXPECT_EQ(ignoring->encode("aab"), (Ids{0, 0, 1}));
}

TEST(HfEncode, UnknownCharactersBecomeUnkFusedOrNotOrAreDropped) {
  const std::vector<std::string> vocab = {"<unk>", "a"};
  auto fused = load(tokenizer_doc({bpe_model(vocab, {}, {{"unk_token", "<unk>"}, {"fuse_unk", true}})}));
  EXPECT_EQ(fused->encode("aXYa"), (Ids{1, 0, 1}));
  auto separate = load(tokenizer_doc({bpe_model(vocab, {}, {{"unk_token", "<unk>"}, {"fuse_unk", false}})}));
  EXPECT_EQ(separate->encode("aXYa"), (Ids{1, 0, 0, 1}));
  auto none = load(tokenizer_doc({bpe_model(vocab, {})}));
  EXPECT_EQ(none->encode("aXYa"), (Ids{1, 1}));
}

TEST(HfEncode, ByteFallbackSpellsUnknownCharactersAsBytes) {
  // é is C3 A9; X has no byte token, so it stays unknown.
  const std::vector<std::string> vocab = {"<unk>", "a", "<0xC3>", "<0xA9>"};
  auto tok = load(tokenizer_doc({bpe_model(vocab, {}, {{"unk_token", "<unk>"}, {"byte_fallback", true}, {"fuse_unk", true}})}));
  EXPECT_EQ(tok->encode("a\xC3\xA9" "a"), (Ids{1, 2, 3, 1}));
  EXPECT_EQ(tok->encode("aXa"), (Ids{1, 0, 1}));
  // Hugging Face emits a pending unk only at the next known character or the end, so
  // byte-fallback bytes in between come first.
  EXPECT_EQ(tok->encode("X\xC3\xA9" "a"), (Ids{2, 3, 0, 1}));
}

TEST(HfEncode, SubwordPrefixAndSuffixMarkInnerAndLastCharacters) {
  // "abc": a, ##b, ##c</w>; the merge a + ##b gives "ab" (the right part loses "##").
  auto tok = load(tokenizer_doc({bpe_model({"a", "##b", "##c</w>", "ab"}, {"a ##b"},
                                           {{"continuing_subword_prefix", "##"}, {"end_of_word_suffix", "</w>"}})}));
  EXPECT_EQ(tok->encode("abc"), (Ids{3, 2}));
}

TEST(HfEncode, ByteLevelSplitsLikeGpt2AndSpellsBytesAsCharacters) {
  const json model = byte_level_model({"\u0120 t", "h e", "\u0120t he"});  // Ġt=256, he=257, Ġthe=258
  DocParts parts{model};
  parts.pre_tokenizer = {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", true}};
  auto tok = load(tokenizer_doc(parts));
  // GPT-2's regex gives "the" and " the"; "the" has no t+he merge.
  EXPECT_EQ(tok->encode("the the"), (Ids{'t', 257, 258}));
  EXPECT_EQ(tok->encode("it's"), (Ids{'i', 't', '\'', 's'}));
  EXPECT_EQ(tok->encode("\xC3\xA9"), (Ids{0xC3, 0xA9}));

  parts.pre_tokenizer["add_prefix_space"] = true;
  EXPECT_EQ(load(tokenizer_doc(parts))->encode("the the"), (Ids{258, 258}));
}

TEST(HfEncode, SplitRegexThenByteLevelWithoutItsRegex) {
  DocParts parts{byte_level_model({"1 2", "12 3"})};  // 12=256, 123=257
  parts.pre_tokenizer = {{"type", "Sequence"},
                         {"pretokenizers",
                          {split("Regex", "\\p{N}{1,3}", "Isolated"),
                           {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", false}}}}};
  auto tok = load(tokenizer_doc(parts));
  EXPECT_EQ(tok->encode("1231"), (Ids{257, '1'}));  // digits in threes, each group alone
  EXPECT_EQ(tok->encode("12 3"), (Ids{256, ' ', '3'}));  // the space byte is "Ġ", id 0x20
}

TEST(HfEncode, AddedTokensMatchLeftmostThenLongest) {
  DocParts parts{bpe_model(ascii_tokens(), {})};
  parts.added_tokens = {added_token("ab", 1000, false, {{"normalized", false}}),
                        added_token("abc", 1001, false, {{"normalized", false}}),
                        added_token("bcd", 1002, false, {{"normalized", false}})};
  auto tok = load(tokenizer_doc(parts));
  // Not in the model vocabulary: ids follow it (95 printable characters).
  EXPECT_EQ(tok->token_id("ab"), 95);
  EXPECT_EQ(tok->encode("abcd"), (Ids{96, ascii('d')}));
  EXPECT_EQ(tok->encode("xbcd"), (Ids{ascii('x'), 97}));
  EXPECT_EQ(tok->encode("abab"), (Ids{95, 95}));
}

TEST(HfEncode, AddedTokensKeepTheModelsIdForAContentItKnows) {
  DocParts parts{bpe_model(ascii_tokens(), {})};
  parts.added_tokens = {added_token("a", 5000, true)};
  auto tok = load(tokenizer_doc(parts));
  EXPECT_EQ(tok->token_id("a"), ascii('a'));
  EXPECT_TRUE(tok->is_special(ascii('a')));
}

TEST(HfEncode, LstripRstripAndSingleWord) {
  DocParts parts{bpe_model(ascii_tokens(), {})};
  parts.added_tokens = {added_token("<L>", 0, true, {{"lstrip", true}}), added_token("<R>", 0, true, {{"rstrip", true}}),
                        added_token("<W>", 0, true, {{"single_word", true}})};
  auto tok = load(tokenizer_doc(parts));
  const int64_t L = 95, R = 96, W = 97;
  EXPECT_EQ(tok->encode("a  <L> b"), (Ids{ascii('a'), L, ascii(' '), ascii('b')}));
  EXPECT_EQ(tok->encode("a <R>  b"), (Ids{ascii('a'), ascii(' '), R, ascii('b')}));
  EXPECT_EQ(tok->encode("a <W> b"), (Ids{ascii('a'), ascii(' '), W, ascii(' '), ascii('b')}));
  // Inside a word it is not the token.
  EXPECT_EQ(tok->encode("a<W>b"), ascii_ids("a<W>b"));
  EXPECT_EQ(tok->encode("<W>"), (Ids{W}));
}

TEST(HfEncode, NormalizedAddedTokensMatchTheNormalizedText) {
  DocParts parts{bpe_model(ascii_tokens(), {})};
  parts.normalizer = {{"type", "Replace"}, {"pattern", {{"String", "A"}}}, {"content", "a"}};
  parts.added_tokens = {added_token("AB", 0, false, {{"normalized", true}}),
                        added_token("AB!", 0, true, {{"normalized", false}})};
  auto tok = load(tokenizer_doc(parts));
  // "AB" is looked for as "aB", its normalized form, in normalized text.
  EXPECT_EQ(tok->encode("AB"), (Ids{95}));
  EXPECT_EQ(tok->encode("aB"), (Ids{95}));
  EXPECT_EQ(tok->encode("xAB!"), (Ids{ascii('x'), 96}));  // matched as written, before normalizing
}

TEST(HfEncode, EachStretchBetweenAddedTokensIsNormalizedAlone) {
  // Llama-2's normalizer: a "▁" before every stretch, spaces to "▁".
  DocParts parts{bpe_model({"<unk>", "\u2581", "a", "b", "<s>"}, {}, {{"unk_token", "<unk>"}})};
  parts.normalizer = {{"type", "Sequence"},
                      {"normalizers",
                       {{{"type", "Prepend"}, {"prepend", "\u2581"}},
                        {{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", "\u2581"}}}}};
  parts.added_tokens = {added_token("<s>", 4, true)};
  auto tok = load(tokenizer_doc(parts));
  EXPECT_EQ(tok->encode("a b"), (Ids{1, 2, 1, 3}));
  EXPECT_EQ(tok->encode("a<s>b"), (Ids{1, 2, 4, 1, 3}));
  EXPECT_EQ(tok->encode(""), (Ids{}));  // nothing to prepend to
}

TEST(HfEncode, NormalizedAddedTokenContentIsNormalizedToo) {
  // With Prepend, a normalized token "X" is looked for as "_X": only at a stretch start.
  DocParts parts{bpe_model({"_", "a", "X"}, {})};
  parts.normalizer = {{"type", "Prepend"}, {"prepend", "_"}};
  parts.added_tokens = {added_token("X", 0, false, {{"normalized", true}})};
  auto tok = load(tokenizer_doc(parts));
  EXPECT_EQ(tok->encode("X"), (Ids{2}));
  EXPECT_EQ(tok->encode("aX"), (Ids{0, 1, 2}));
}

TEST(HfEncode, NfcComposesBeforeTokenizing) {
  DocParts parts{bpe_model({"<unk>", "e", "\u0301", "\u00E9"}, {}, {{"unk_token", "<unk>"}})};
  EXPECT_EQ(load(tokenizer_doc(parts))->encode("e\u0301"), (Ids{1, 2}));
  parts.normalizer = {{"type", "NFC"}};
  EXPECT_EQ(load(tokenizer_doc(parts))->encode("e\u0301"), (Ids{3}));
}

TEST(HfEncode, MetaspaceMarksWordsAndSplitsBeforeEachMark) {
  // a▁ merges (rank 0); without the split, "▁a▁b" becomes ▁, a▁, b.
  const json model = bpe_model({"\u2581", "a", "b", "a\u2581", "<T>"}, {"a \u2581"});
  DocParts parts{model};
  parts.added_tokens = {added_token("<T>", 4, true)};
  json meta = {{"type", "Metaspace"}, {"replacement", "\u2581"}, {"prepend_scheme", "always"}, {"split", false}};
  parts.pre_tokenizer = meta;
  EXPECT_EQ(load(tokenizer_doc(parts))->encode("a b"), (Ids{0, 3, 2}));
  meta["split"] = true;
  parts.pre_tokenizer = meta;
  EXPECT_EQ(load(tokenizer_doc(parts))->encode("a b"), (Ids{0, 1, 0, 2}));
  // "always": every stretch gets a mark; "first": only the one at the text's start.
  EXPECT_EQ(load(tokenizer_doc(parts))->encode("a<T>b"), (Ids{0, 1, 4, 0, 2}));
  meta["prepend_scheme"] = "first";
  parts.pre_tokenizer = meta;
  EXPECT_EQ(load(tokenizer_doc(parts))->encode("a<T>b"), (Ids{0, 1, 4, 2}));
  EXPECT_EQ(load(tokenizer_doc(parts))->encode("<T>b"), (Ids{4, 2}));
  meta["prepend_scheme"] = "never";
  parts.pre_tokenizer = meta;
  EXPECT_EQ(load(tokenizer_doc(parts))->encode("a b"), (Ids{1, 0, 2}));
}

TEST(HfEncode, TemplateAddsBosAndEosUnlessAskedNot) {
  DocParts parts{bpe_model({"<s>", "</s>", "a"}, {})};
  parts.added_tokens = {added_token("<s>", 0, true), added_token("</s>", 1, true)};
  parts.post_processor = template_processing({{"<s>", 0}}, {{"</s>", 1}});
  auto tok = load(tokenizer_doc(parts));
  EXPECT_EQ(tok->encode("a"), (Ids{0, 2, 1}));
  EXPECT_EQ(tok->encode("a", false), (Ids{2}));
  EXPECT_EQ(tok->encode(""), (Ids{0, 1}));
  EXPECT_EQ(tok->bos(), 0);
  EXPECT_EQ(tok->eos(), 1);
}

TEST(HfEncode, SequenceOfByteLevelAndTemplatePostProcessors) {
  DocParts parts{bpe_model({"<|begin_of_text|>", "a"}, {})};
  parts.added_tokens = {added_token("<|begin_of_text|>", 0, true)};
  parts.post_processor = {{"type", "Sequence"},
                          {"processors",
                           {{{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", false}, {"use_regex", true}},
                            template_processing({{"<|begin_of_text|>", 0}}, {})}}};
  auto tok = load(tokenizer_doc(parts));
  EXPECT_EQ(tok->encode("a"), (Ids{0, 1}));
  EXPECT_EQ(tok->bos(), 0);
  EXPECT_EQ(tok->eos(), std::nullopt);
}

TEST(HfEncode, EosFallsBackToWellKnownSpecialTokens) {
  DocParts parts{bpe_model({"a"}, {})};
  parts.added_tokens = {added_token("<|endoftext|>", 1, true), added_token("<|im_end|>", 2, true),
                        added_token("</s>", 3, false)};
  auto tok = load(tokenizer_doc(parts));
  EXPECT_EQ(tok->bos(), std::nullopt);
  EXPECT_EQ(tok->eos(), 2);  // the end of a chat turn before the end of a document
}

}  // namespace
}  // namespace attnviz::test
