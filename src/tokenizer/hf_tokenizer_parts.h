#pragma once
// What an HfTokenizer is made of: the pipeline stages of tokenizer.json, in the order
// Hugging Face runs them, and the BOS/EOS chosen at load time.
#include <memory>
#include <optional>
#include <string>

#include "added_vocabulary.h"
#include "attnviz/hf_tokenizer.h"
#include "bpe_model.h"
#include "decoders.h"
#include "normalizers.h"
#include "post_processors.h"
#include "pre_tokenizers.h"

namespace attnviz {

struct HfTokenizer::Parts {
  std::string source;
  std::unique_ptr<tok::Normalizer> normalizer;       // may be null
  std::unique_ptr<tok::PreTokenizer> pre_tokenizer;  // may be null
  std::unique_ptr<tok::BpeModel> model;
  std::unique_ptr<tok::AddedVocabulary> added;
  std::unique_ptr<tok::PostProcessor> post_processor;  // may be null
  std::unique_ptr<tok::Decoder> decoder;               // may be null
  std::optional<int64_t> bos, eos;
};

}  // namespace attnviz
