// Timing of the tokenizer.json reader (bench/README.md): loading each given file (wall
// and CPU time), encoding / decoding a 10,000-character prompt (English, code, CJK,
// emoji and chat markers), and encoding 10,000 characters without a space (one BPE word
// of 10,000 symbols where no pre-tokenizer splits it: Llama-2, Gemma-3). Medians over
// --reps runs. Targets: 10k characters encoded in under 10 ms; Gemma-3's tokenizer.json
// (33 MB, 262k tokens) loaded in under 0.5 s.
//   bench_tokenizer [--reps N] TOKENIZER.json...
#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "attnviz/error.h"
#include "attnviz/hf_tokenizer.h"

namespace {

using Clock = std::chrono::steady_clock;

// 10,000 code points of mixed text, the same on every run.
std::string make_prompt() {
  const std::vector<std::string> parts = {
      "<|im_start|>user\n",
      "The quick brown fox jumps over the lazy dog, and it's 12:45 on 2024-12-03. ",
      "def area(r):\n    return 3.14159 * r ** 2  # circle\n\n",
      "这是一张图片，上面有一只猫在睡觉。",
      "Describe   the image\tin detail; what's in the background? ",
      "😀👍🏽 👨‍👩‍👧 ",
      "<html><body><p>Hello</p></body></html>\n",
      "नमस्ते दुनिया। مرحبا بالعالم. ",
  };
  std::string prompt;
  size_t count = 0, k = 0;
  while (count < 10000) {
    const std::string& p = parts[k++ % parts.size()];
    for (size_t i = 0; i < p.size() && count < 10000;) {
      size_t n = 1;
      const auto b = static_cast<unsigned char>(p[i]);
      if (b >= 0xF0) n = 4;
      else if (b >= 0xE0) n = 3;
      else if (b >= 0xC0) n = 2;
      prompt.append(p, i, n);
      i += n;
      ++count;
    }
  }
  return prompt;
}

double cpu_ms() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

struct Timing {
  double wall_ms, cpu_ms;
};

// Medians of wall and thread CPU time: on a shared machine the wall time also counts
// waiting for a core.
template <class F>
Timing median_ms(int reps, F f) {
  std::vector<double> walls, cpus;
  for (int i = 0; i < reps; ++i) {
    const auto t0 = Clock::now();
    const double c0 = cpu_ms();
    f();
    cpus.push_back(cpu_ms() - c0);
    walls.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  std::sort(walls.begin(), walls.end());
  std::sort(cpus.begin(), cpus.end());
  return {walls[walls.size() / 2], cpus[cpus.size() / 2]};
}

}  // namespace

int main(int argc, char** argv) {
  int reps = 5;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--reps") && i + 1 < argc) reps = std::max(1, std::atoi(argv[++i]));
    else files.push_back(argv[i]);
  }
  if (files.empty()) {
    std::fprintf(stderr, "usage: bench_tokenizer [--reps N] TOKENIZER.json...\n");
    return 2;
  }
  const std::string prompt = make_prompt();
  std::string one_word;
  for (int i = 0; i < 10000; ++i) one_word += static_cast<char>('a' + (i * 7 + i / 13) % 26);
  std::printf("| tokenizer.json | size | vocabulary | load: wall (CPU) | encode 10k chars: wall (CPU), tokens | "
              "decode | encode 10k chars, one word |\n");
  std::printf("| --- | --- | --- | --- | --- | --- | --- |\n");
  try {
    for (const auto& file : files) {
      std::ifstream in(file, std::ios::binary | std::ios::ate);
      const double mb = static_cast<double>(in.tellg()) / 1e6;
      std::unique_ptr<attnviz::HfTokenizer> tok;
      const Timing load = median_ms(reps, [&] { tok = attnviz::HfTokenizer::from_file(file); });
      std::vector<int64_t> ids = tok->encode(prompt);  // warm-up
      const Timing encode = median_ms(std::max(reps, 20), [&] { ids = tok->encode(prompt); });
      std::string text;
      const Timing decode = median_ms(std::max(reps, 20), [&] { text = tok->decode(ids, false); });
      std::vector<int64_t> word_ids;
      const Timing word = median_ms(std::max(reps, 5), [&] { word_ids = tok->encode(one_word); });
      std::printf("| %s | %.1f MB | %lld | %.0f ms (%.0f ms) | %.2f ms (%.2f ms), %zu | %.2f ms | %.2f ms, %zu |\n",
                  file.c_str(), mb, static_cast<long long>(tok->vocab_size()), load.wall_ms, load.cpu_ms,
                  encode.wall_ms, encode.cpu_ms, ids.size(), decode.wall_ms, word.wall_ms, word_ids.size());
    }
  } catch (const attnviz::Error& e) {
    std::fprintf(stderr, "bench_tokenizer: %s\n", e.what());
    return 1;
  }
  return 0;
}
