// The HTML report's C++ side: bytes, the data format of docs/html.md (decoded here
// independently of the page), pooling, size, escaping and bad input. The page itself is
// tested in a real browser (browser/*.mjs).
#include <gtest/gtest.h>
#include <zlib.h>

#include <cmath>
#include <cstdio>
#include <random>

#include <nlohmann/json.hpp>

#include "attnviz/error.h"
#include "attnviz/html_report.h"
#include "attnviz/render/colormap.h"
#include "colormap_tables.h"
#include "test_support.h"

using namespace attnviz;
using nlohmann::json;

namespace {

// Softmax rows of random logits, causal over the whole sequence, like a decoder with
// the image as a prefix; `sharp` scales the logits.
std::vector<float> attention(int t, std::mt19937& rng, float sharp, bool causal = true) {
  std::normal_distribution<float> logit(0.0f, sharp);
  std::vector<float> m(static_cast<size_t>(t) * t, 0.0f);
  for (int i = 0; i < t; ++i) {
    const int n = causal ? i + 1 : t;
    double sum = 0;
    std::vector<double> e(n);
    for (int j = 0; j < n; ++j) sum += e[j] = std::exp(logit(rng));
    for (int j = 0; j < n; ++j) m[static_cast<size_t>(i) * t + j] = static_cast<float>(e[j] / sum);
  }
  return m;
}

// A report shaped like a VLM run: `image` tokens on a square grid, then the prompt and
// the answer; `heads` > 0 adds per-head matrices.
HtmlReport synthetic(int grid, int prompt, int answer, int layers, int heads, unsigned seed = 7) {
  std::mt19937 rng(seed);
  HtmlReport r;
  r.title = "synthetic";
  r.prompt = "what is it?";
  r.image.width = r.image.height = 16 * grid;
  r.image.bgr.resize(static_cast<size_t>(r.image.width) * r.image.height * 3);
  for (size_t i = 0; i < r.image.bgr.size(); ++i) r.image.bgr[i] = static_cast<uint8_t>((i * 7 + i / 97) % 251);
  HtmlRun run;
  run.title = "\u201cit\u201d";
  run.model = "synthetic";
  run.query = "answer";
  for (int i = 0; i < prompt + answer; ++i) run.tokens.push_back("tok" + std::to_string(i));
  const int image = grid * grid, t = image + prompt + answer;
  for (int l = 0; l < layers; ++l) {
    HtmlLayer layer;
    layer.name = "lm.layers." + std::to_string(l) + ".attn";
    layer.stack = "lm.layers";
    layer.index = l;
    layer.heads = std::max(heads, 1);
    layer.tq = layer.tk = t;
    layer.causal = true;
    if (heads > 0) {
      layer.matrix.assign(static_cast<size_t>(t) * t, 0.0f);
      for (int h = 0; h < heads; ++h) {
        auto m = attention(t, rng, 3.0f);
        layer.per_head.insert(layer.per_head.end(), m.begin(), m.end());
        for (size_t i = 0; i < m.size(); ++i) layer.matrix[i] += m[i] / heads;
      }
    } else {
      layer.matrix = attention(t, rng, 3.0f);
    }
    std::vector<int> text;
    for (int k = image; k < t; ++k) text.push_back(k);
    layer.spans = {0, image, grid, grid, text, prompt};
    for (int row = image + prompt - 1; row < t - 1; ++row) layer.query_rows.push_back(row);
    run.layers.push_back(std::move(layer));
  }
  r.runs.push_back(std::move(run));
  return r;
}

std::string between(const std::string& text, const std::string& open, const std::string& close) {
  const size_t a = text.find(open);
  const size_t b = text.find(close, a == std::string::npos ? 0 : a + open.size());
  if (a == std::string::npos || b == std::string::npos) return "";
  return text.substr(a + open.size(), b - a - open.size());
}

std::string unbase64(const std::string& text) {
  std::string out;
  uint32_t bits = 0;
  int n = 0;
  for (char c : text) {
    int v = c >= 'A' && c <= 'Z' ? c - 'A' : c >= 'a' && c <= 'z' ? c - 'a' + 26 : c >= '0' && c <= '9' ? c - '0' + 52
          : c == '+' ? 62 : c == '/' ? 63 : -1;
    if (v < 0) continue;
    bits = (bits << 6) | v;
    if ((n += 6) >= 8) out += static_cast<char>((bits >> (n -= 8)) & 0xff);
  }
  return out;
}

// The page's two data elements, decoded as docs/html.md describes.
struct Page {
  json doc;
  std::string blob;

  explicit Page(const std::string& html) {
    doc = json::parse(between(html, "<script type=\"application/json\" id=\"attnviz-data\">", "</script>"));
    const std::string packed = unbase64(between(html, "<script type=\"text/plain\" id=\"attnviz-blob\">", "</script>"));
    uLongf size = doc.at("blob_bytes").get<uLongf>();
    blob.resize(size);
    if (uncompress(reinterpret_cast<Bytef*>(blob.data()), &size, reinterpret_cast<const Bytef*>(packed.data()),
                   packed.size()) != Z_OK || size != blob.size())
      throw std::runtime_error("the blob does not inflate to blob_bytes");
  }

  std::vector<float> values(const json& rec) const {
    const int bits = rec.at("bits");
    const size_t n = rec.at("length").get<size_t>() / (bits / 8), offset = rec.at("offset");
    size_t slice = 1;
    const auto shape = rec.at("shape").get<std::vector<size_t>>();
    for (size_t d = shape.size() - rec.at("slice_dims").get<size_t>(); d < shape.size(); ++d) slice *= shape[d];
    const double decades = rec.at("decades"), steps = (1 << bits) - 2;
    std::vector<float> out(n);
    for (size_t i = 0; i < n; ++i) {
      const int code = bits == 16 ? (uint8_t(blob[offset + i]) << 8) | uint8_t(blob[offset + n + i])
                                  : uint8_t(blob[offset + i]);
      const double peak = rec.at("max").at(i / slice);
      out[i] = code ? static_cast<float>(peak * std::pow(10.0, ((code - 1) / steps - 1) * decades)) : 0.0f;
    }
    return out;
  }
};

// Equal within the encoding's precision (12 decades in 65534 steps: 0.021% half-step),
// exact for zeros; values more than 12 decades below the slice maximum read as the floor.
void expect_close(const std::vector<float>& expected, const std::vector<float>& got, float slice_max) {
  ASSERT_EQ(expected.size(), got.size());
  for (size_t i = 0; i < got.size(); ++i) {
    if (expected[i] == 0.0f) {
      ASSERT_EQ(got[i], 0.0f) << "at " << i;
    } else if (expected[i] > slice_max * 1e-12f) {
      ASSERT_NEAR(got[i], expected[i], expected[i] * 3e-4f) << "at " << i;
    }
  }
}

float max_of(const std::vector<float>& v) {
  float m = 0;
  for (float x : v) m = std::max(m, x);
  return m;
}

}  // namespace

TEST(HtmlReport, ColormapsMatchThePngColours) {
  // colormaps.js is generated from colorize(); regenerate with html_colormaps_js.
  EXPECT_EQ(test::read_text(test::source_dir() + "/src/sinks/html/colormaps.js"), test::colormaps_js());
  EXPECT_EQ(html_colormap_names(), colormap_names());
}

TEST(HtmlReport, SameDataGiveTheSameBytes) {
  const std::string a = render_html_report(synthetic(4, 5, 2, 3, 2));
  const std::string b = render_html_report(synthetic(4, 5, 2, 3, 2));
  EXPECT_EQ(a, b);
  EXPECT_NE(a, render_html_report(synthetic(4, 5, 2, 3, 2, /*seed=*/8)));
}

TEST(HtmlReport, MatricesAndImageReadBackAsDocumented) {
  const HtmlReport r = synthetic(4, 5, 2, 2, 3);
  const Page page(render_html_report(r));
  const auto& layer = r.runs[0].layers[1];
  const json& l = page.doc["runs"][0]["layers"][1];
  EXPECT_EQ(l["matrix"]["shape"], json({1, layer.tq, layer.tk}));
  EXPECT_EQ(l["matrix"]["pool"]["factor"], 1);
  expect_close(layer.matrix, page.values(l["matrix"]), max_of(layer.matrix));
  expect_close(layer.per_head, page.values(l["matrix_heads"]), max_of(layer.per_head));

  // Per-token maps: every non-image row, at full grid resolution, each row scaled to its own maximum.
  const auto rows = l["image_rows"]["rows"].get<std::vector<int>>();
  std::vector<int> text_rows;
  for (int row = 16; row < layer.tq; ++row) text_rows.push_back(row);
  EXPECT_EQ(rows, text_rows);
  const auto maps = page.values(l["image_rows"]["values"]);
  ASSERT_EQ(maps.size(), rows.size() * 16);
  for (size_t i = 0; i < rows.size(); ++i) {
    std::vector<float> expected(layer.matrix.begin() + rows[i] * layer.tk, layer.matrix.begin() + rows[i] * layer.tk + 16);
    expect_close(expected, {maps.begin() + i * 16, maps.begin() + (i + 1) * 16}, max_of(expected));
  }

  // The image: RGB, each byte stored as its difference to the pixel on its left.
  const json& im = page.doc["image"];
  ASSERT_EQ(im["width"], r.image.width);
  const size_t offset = im["offset"], stride = 3 * r.image.width;
  auto rgb = [&](size_t i) { return r.image.bgr[i - i % 3 + 2 - i % 3]; };  // byte i of the RGB image
  for (int y = 0; y < r.image.height; ++y)
    for (size_t x = 0; x < stride; ++x) {
      const size_t i = y * stride + x;
      const uint8_t left = x >= 3 ? rgb(i - 3) : 0;
      ASSERT_EQ(uint8_t(page.blob[offset + i]), uint8_t(rgb(i) - left)) << "at byte " << i;
    }
}

TEST(HtmlReport, LargeMatricesAreMeanPooledByAWholeFactor) {
  HtmlReport r = synthetic(24, 40, 10, 1, 0);  // 626 tokens: factor 2, 313 x 313
  const auto& layer = r.runs[0].layers[0];
  const Page page(render_html_report(r));
  const json& m = page.doc["runs"][0]["layers"][0]["matrix"];
  EXPECT_EQ(m["shape"], json({1, 313, 313}));
  EXPECT_EQ(m["pool"], json({{"method", "mean"}, {"factor", 2}}));
  EXPECT_EQ(m["bits"], 8);  // drawn one pixel per cell: 6 decades in 254 steps, 2.8% half-step
  const auto pooled = page.values(m);
  auto at = [&](int i, int j) { return layer.matrix[static_cast<size_t>(i) * layer.tk + j]; };
  for (int i : {0, 100, 312})
    for (int j : {0, 57, 312}) {
      const int rows = std::min(2, layer.tq - 2 * i), cols = std::min(2, layer.tk - 2 * j);
      float sum = 0;
      for (int a = 0; a < rows; ++a)
        for (int b = 0; b < cols; ++b) sum += at(2 * i + a, 2 * j + b);
      const float mean = sum / (rows * cols);
      if (mean == 0.0f) EXPECT_EQ(pooled[i * 313 + j], 0.0f) << i << "," << j;  // masked
      else if (mean > 1e-6f * max_of(pooled)) EXPECT_NEAR(pooled[i * 313 + j], mean, 0.029f * mean) << i << "," << j;
    }
  // The per-token maps keep every image token.
  EXPECT_EQ(page.doc["runs"][0]["layers"][0]["image_rows"]["values"]["shape"], json({1, 50, 576}));
}

TEST(HtmlReport, A576TokenModelWith24LayersStaysUnder5MB) {
  // Random attention compresses worse than a trained model's: an upper bound in practice.
  const std::string fused = render_html_report(synthetic(24, 40, 10, 24, 0));
  std::printf("576 image + 50 text tokens, 24 layers, fused heads: %zu bytes\n", fused.size());
  EXPECT_LT(fused.size(), 5u * 1000 * 1000);
  const std::string small = render_html_report(synthetic(8, 7, 1, 24, 4));
  std::printf("64 image + 8 text tokens, 24 layers, 4 heads each: %zu bytes\n", small.size());
  EXPECT_LT(small.size(), 5u * 1000 * 1000);
}

TEST(HtmlReport, HeadsAboveTheLimitAreLeftOutAndTheDataSaysWhy) {
  HtmlReport r = synthetic(4, 5, 2, 2, 3);  // per layer: 3 heads x (23 x 23 + 7 rows x 16 cells) = 1923 values
  r.limits.max_head_values = 2 * 1923;
  const Page kept(render_html_report(r));
  EXPECT_TRUE(kept.doc["runs"][0]["layers"][1].contains("matrix_heads"));
  EXPECT_TRUE(kept.doc["runs"][0]["layers"][1]["image_rows"].contains("heads"));
  EXPECT_FALSE(kept.doc.contains("heads_omitted"));
  r.limits.max_head_values = 2 * 1923 - 1;
  const Page left_out(render_html_report(r));
  for (const auto& layer : left_out.doc["runs"][0]["layers"]) {
    EXPECT_FALSE(layer.contains("matrix_heads"));
    EXPECT_FALSE(layer["image_rows"].contains("heads"));
  }
  EXPECT_EQ(left_out.doc["heads_omitted"], "the heads would need 3846 values, over the limit of 3845");
}

TEST(HtmlReport, TokenTextCannotBreakOutOfThePage) {
  HtmlReport r = synthetic(2, 2, 1, 1, 0);
  r.runs[0].tokens[1] = "</script><script>alert(1)</script><!--";
  r.title = "<b>\"title\"</b> & co";
  const std::string html = render_html_report(r);
  EXPECT_EQ(html.find("alert(1)</script>"), std::string::npos);
  EXPECT_NE(html.find("<title>&lt;b&gt;&quot;title&quot;&lt;/b&gt; &amp; co</title>"), std::string::npos);
  const Page page(html);
  EXPECT_EQ(page.doc["runs"][0]["tokens"][1], r.runs[0].tokens[1]);
}

TEST(HtmlReport, LoadsNothingFromOutside) {
  const std::string html = render_html_report(synthetic(2, 2, 1, 1, 0));
  for (const char* external : {"http:", "https:", "//cdn", "src=", "href=", "url(", "@import", "fetch(", "XMLHttpRequest"})
    EXPECT_EQ(html.find(external), std::string::npos) << external;
  EXPECT_NE(html.find("Content-Security-Policy\" content=\"default-src 'none'"), std::string::npos);
}

TEST(HtmlReport, InconsistentDataIsAnErrorNamingTheLayer) {
  auto expect_error = [](HtmlReport r, const std::string& words) {
    try {
      render_html_report(r);
      ADD_FAILURE() << "no error for: " << words;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
      EXPECT_EQ(e.code(), ExitCode::input);
    }
  };
  HtmlReport r = synthetic(2, 2, 1, 2, 0);
  r.runs[0].layers[1].matrix.pop_back();
  expect_error(r, "layer lm.layers.1.attn: matrix has 48 values, expected tq*tk = 49");
  r = synthetic(2, 2, 1, 1, 0);
  r.runs[0].layers[0].spans.grid_w = 3;
  expect_error(r, "image grid 2x3 does not hold 4 image tokens");
  r = synthetic(2, 2, 1, 1, 0);
  r.runs[0].layers[0].query_rows = {7};
  expect_error(r, "query row 7 is outside the 7 rows");
  r = synthetic(2, 2, 1, 1, 0);
  r.runs[0].tokens.pop_back();
  expect_error(r, "spans place 3 text tokens, the run has 2");
  r = synthetic(2, 2, 1, 1, 0);
  r.image.bgr.pop_back();
  expect_error(r, "the image has 3071 bytes for 32x32 BGR pixels");
  r = synthetic(2, 2, 1, 1, 0);
  r.colormap = "rainbow";
  expect_error(r, "unknown colormap 'rainbow'");
}
