#include "attnviz/token_layout.h"

#include <cmath>

#include "attnviz/error.h"
#include "attnviz/strings.h"

namespace attnviz {
namespace {

// How far a grid's shape may be from the image's and still be taken for it (10%).
const double kAspectTolerance = std::log(1.1);

double aspect_error(int h, int w, int image_h, int image_w) {
  const double aspect = (image_h > 0 && image_w > 0) ? double(image_h) / image_w : 1.0;
  return std::fabs(std::log(double(h) / w) - std::log(aspect));
}

// The factorisation h x w of n closest to the image's aspect ratio, when it is within the
// tolerance. A grid of one row or column is no grid (beyond 3 tokens).
std::optional<std::array<int, 2>> fitting_grid(int n, int image_h, int image_w) {
  if (n <= 0 || n > kMaxImageTokens) return std::nullopt;
  std::optional<std::array<int, 2>> best;
  double best_err = 1e9;
  for (int h = 1; h <= n; ++h) {
    if (n % h) continue;
    const double err = aspect_error(h, n / h, image_h, image_w);
    if (err < best_err - 1e-9) {
      best_err = err;
      best = std::array<int, 2>{h, n / h};
    }
  }
  if (!best || best_err > kAspectTolerance + 1e-9 || (n > 3 && ((*best)[0] == 1 || (*best)[1] == 1)))
    return std::nullopt;
  return best;
}

std::string grid_text(int h, int w) { return std::to_string(h) + "\u00d7" + std::to_string(w); }

std::string describe_segments(const std::vector<LayoutSegment>& segments) {
  std::string out;
  for (const auto& s : segments) {
    out += out.empty() ? "" : " + ";
    switch (s.kind) {
      case LayoutSegment::Kind::prefix: out += std::to_string(s.count) + " prefix"; break;
      case LayoutSegment::Kind::text: out += s.count < 0 ? "rest of the text" : std::to_string(s.count) + " text"; break;
      case LayoutSegment::Kind::image: out += s.grid_from_budget ? "budget grid" : grid_text(s.grid_h, s.grid_w); break;
    }
  }
  return out;
}

[[noreturn]] void mismatch(const std::string& source, int code, const std::string& what, const LayoutInputs& in,
                           int needed) {
  fail(static_cast<ExitCode>(code), source + ": " + what + " accounts for " + std::to_string(needed) +
                                        " keys, but the attention has " + std::to_string(in.keys) + " (with " +
                                        std::to_string(in.ids.size()) + " input ids)");
}

// Segments laid out one after the other; text segments take the ids in order.
TokenLayout place_segments(const std::vector<LayoutSegment>& segments, const LayoutInputs& in,
                           const std::string& source, int code) {
  TokenLayout t;
  int pos = 0;
  size_t next_id = 0;
  for (const auto& s : segments) {
    if (s.kind == LayoutSegment::Kind::prefix) {
      for (int i = 0; i < s.count; ++i) t.prefix.push_back(pos++);
    } else if (s.kind == LayoutSegment::Kind::text) {
      const size_t n = s.count < 0 ? in.ids.size() - std::min(next_id, in.ids.size()) : static_cast<size_t>(s.count);
      if (next_id + n > in.ids.size())
        fail(static_cast<ExitCode>(code), source + ": the layout " + describe_segments(segments) + " needs " +
                                              std::to_string(next_id + n) + " input ids, but " +
                                              std::to_string(in.ids.size()) + " were fed");
      for (size_t i = 0; i < n; ++i) {
        t.text.push_back(pos++);
        t.text_ids.push_back(static_cast<int>(next_id + i));
      }
      next_id += n;
    } else {
      const int h = s.grid_from_budget ? in.budget_grid[0] : s.grid_h;
      const int w = s.grid_from_budget ? in.budget_grid[1] : s.grid_w;
      if (h <= 0 || w <= 0) fail(static_cast<ExitCode>(code), source + ": the image grid comes from a budget, and the run has none");
      t.images.push_back(TokenSpan{pos, h * w, h, w});
      pos += h * w;
    }
  }
  t.keys = pos;
  if (pos != in.keys) mismatch(source, code, "the layout " + describe_segments(segments), in, pos);
  return t;
}

// Keys of the prefix and image segments.
int fixed_keys(const std::vector<LayoutSegment>& segments, const LayoutInputs& in) {
  int n = 0;
  for (const auto& s : segments) {
    if (s.kind == LayoutSegment::Kind::prefix) n += s.count;
    if (s.kind == LayoutSegment::Kind::image)
      n += s.grid_from_budget ? in.budget_grid[0] * in.budget_grid[1] : s.grid_h * s.grid_w;
  }
  return n;
}

// The ids are as many as the keys and hold one id over the whole image span (a
// placeholder, Hugging Face style): the text is the rest.
std::optional<TokenLayout> place_over_ids(const StackLayout& layout, const LayoutInputs& in) {
  const int image_end = fixed_keys(layout.segments, in);
  const auto& image = layout.segments.back();
  const int count = image.grid_from_budget ? in.budget_grid[0] * in.budget_grid[1] : image.grid_h * image.grid_w;
  const int offset = image_end - count;
  if (static_cast<int>(in.ids.size()) != in.keys || image_end > in.keys || count <= 0) return std::nullopt;
  for (int k = offset; k < image_end; ++k)
    if (in.ids[k] != in.ids[offset]) return std::nullopt;
  TokenLayout t;
  t.keys = in.keys;
  t.images.push_back(TokenSpan{offset, count, image.grid_from_budget ? in.budget_grid[0] : image.grid_h,
                               image.grid_from_budget ? in.budget_grid[1] : image.grid_w});
  t.image_id = in.ids[offset];
  for (int k = 0; k < in.keys; ++k)
    if ((k < offset || k >= image_end) && in.ids[k] != t.image_id) {
      t.text.push_back(k);
      t.text_ids.push_back(k);
    }
  return t;
}

// [prefix][image], then all the ids, or nothing after (a stack that does not see the
// text); or, when the keys before the image are as many as the first ids, the text
// around the image.
TokenLayout place_image_tokens(const StackLayout& layout, const LayoutInputs& in, const std::string& source,
                               int code) {
  std::vector<LayoutSegment> with_text = layout.segments;
  with_text.push_back({LayoutSegment::Kind::text, -1});
  const int image_end = fixed_keys(layout.segments, in);
  const int ids = static_cast<int>(in.ids.size());
  if (in.keys == image_end) return place_segments(layout.segments, in, source, code);
  if (auto aligned = place_over_ids(layout, in)) return *aligned;
  if (in.keys == image_end + ids) return place_segments(with_text, in, source, code);
  // The keys before the image are the first ids: the text runs around the image.
  const int before = layout.segments.front().kind == LayoutSegment::Kind::prefix ? layout.segments.front().count : 0;
  if (before > 0 && before <= ids && in.keys == image_end + ids - before) {
    std::vector<LayoutSegment> around(layout.segments.begin() + 1, layout.segments.end());
    around.insert(around.begin(), {LayoutSegment::Kind::text, before});
    around.push_back({LayoutSegment::Kind::text, -1});
    return place_segments(around, in, source, code);
  }
  fail(static_cast<ExitCode>(code),
       source + ": the layout " + describe_segments(layout.segments) + " accounts for " + std::to_string(image_end) +
           " keys" +
           (in.ids.empty() ? std::string() : ", or " + std::to_string(image_end + in.ids.size()) + " with the " +
                                                  std::to_string(in.ids.size()) + " text tokens") +
           ", but the attention has " + std::to_string(in.keys));
}

// Runs of the placeholder id in the ids are the images; the ids sit after `prefix`
// positions. A single placeholder id may stand for a whole image the model expands.
TokenLayout place_placeholders(const StackLayout& layout, const LayoutInputs& in, const std::string& source,
                               int code) {
  std::vector<std::pair<size_t, size_t>> runs;  // [begin, end) in ids
  for (size_t j = 0; j < in.ids.size(); ++j) {
    if (in.ids[j] != layout.image_token_id) continue;
    if (!runs.empty() && runs.back().second == j) runs.back().second = j + 1;
    else runs.push_back({j, j + 1});
  }
  if (runs.empty())
    fail(static_cast<ExitCode>(code), source + ": no image token id " + std::to_string(layout.image_token_id) +
                                          " in the " + std::to_string(in.ids.size()) + " input ids");
  const int fed = layout.prefix + static_cast<int>(in.ids.size());
  // One id expanded by the model into the image's tokens (LLaVA-1.5's single <image>).
  const int expanded = runs.size() == 1 && runs[0].second - runs[0].first == 1 ? in.keys - (fed - 1) : 1;
  if (fed - 1 + expanded != in.keys) mismatch(source, code, "the ids with their image runs", in, fed);
  TokenLayout t;
  t.keys = in.keys;
  for (int i = 0; i < layout.prefix; ++i) t.prefix.push_back(i);
  int pos = layout.prefix;
  size_t run = 0;
  for (size_t j = 0; j < in.ids.size();) {
    if (run < runs.size() && j == runs[run].first) {
      const int n = expanded > 1 ? expanded : static_cast<int>(runs[run].second - runs[run].first);
      std::optional<std::array<int, 2>> grid =
          run < layout.image_grids.size() ? std::optional<std::array<int, 2>>(layout.image_grids[run])
                                          : fitting_grid(n, in.image_h, in.image_w);
      if (!grid || (*grid)[0] * (*grid)[1] != n)
        fail(static_cast<ExitCode>(code), source + ": image " + std::to_string(run + 1) + " has " + std::to_string(n) +
                                              " tokens and no grid of that size fits the image; give its grid");
      t.images.push_back(TokenSpan{pos, n, (*grid)[0], (*grid)[1]});
      pos += n;
      j = runs[run++].second;
    } else {
      t.text.push_back(pos++);
      t.text_ids.push_back(static_cast<int>(j));
      ++j;
    }
  }
  t.image_id = layout.image_token_id;
  return t;
}

std::optional<long long> whole(const std::string& text, long long min, long long max) {
  return parse_integer(trim(text), min, max);
}

std::array<int, 2> parse_grid(const std::string& text, const std::string& what) {
  const size_t x = text.find('x');
  std::optional<long long> h, w;
  if (x != std::string::npos) {
    h = whole(text.substr(0, x), 1, kMaxImageTokens);
    w = whole(text.substr(x + 1), 1, kMaxImageTokens);
  }
  if (!h || !w || *h * *w > kMaxImageTokens) fail_option(what, ": '" + text + "' is not a grid HxW, e.g. 24x24");
  return {static_cast<int>(*h), static_cast<int>(*w)};
}

}  // namespace

std::string TokenLayout::describe() const {
  std::string parts;
  auto add = [&](const std::string& s) { parts += (parts.empty() ? "" : " + ") + s; };
  // In key order: runs of prefix, text and image tokens.
  size_t p = 0, x = 0, i = 0;
  while (p < prefix.size() || x < text.size() || i < images.size()) {
    const int next_p = p < prefix.size() ? prefix[p] : keys, next_x = x < text.size() ? text[x] : keys;
    const int next_i = i < images.size() ? images[i].offset : keys;
    if (next_i <= next_p && next_i <= next_x) {
      add(grid_text(images[i].grid_h, images[i].grid_w));
      ++i;
      continue;
    }
    int n = 0;
    if (next_p < next_x) {
      for (int k = next_p; p < prefix.size() && prefix[p] == k; ++k, ++p) ++n;
      add(std::to_string(n) + " prefix");
    } else {
      for (int k = next_x; x < text.size() && text[x] == k; ++k, ++x) ++n;
      add(std::to_string(n) + " text");
    }
  }
  return std::to_string(keys) + " keys = " + (parts.empty() ? "nothing known" : parts);
}

TokenLayout resolve_layout(const StackLayout& layout, const LayoutInputs& in, const std::string& source, int code) {
  TokenLayout t;
  switch (layout.kind) {
    case StackLayout::Kind::image_tokens: t = place_image_tokens(layout, in, source, code); break;
    case StackLayout::Kind::segments: t = place_segments(layout.segments, in, source, code); break;
    case StackLayout::Kind::placeholder: t = place_placeholders(layout, in, source, code); break;
  }
  t.source = source;
  return t;
}

InferredLayout infer_layout(const LayoutInputs& in) {
  std::vector<TokenLayout> fits;
  std::string tried;
  for (int text : {0, static_cast<int>(in.ids.size())}) {
    for (int offset : {0, 1}) {
      const int n = in.keys - text - offset;
      tried += (tried.empty() ? "" : ", ") + std::to_string(offset) + " prefix + " + std::to_string(n) +
               (text ? " + " + std::to_string(text) + " text" : "");
      if (auto grid = fitting_grid(n, in.image_h, in.image_w)) {
        TokenLayout t;
        t.keys = in.keys;
        for (int i = 0; i < offset; ++i) t.prefix.push_back(i);
        t.images.push_back(TokenSpan{offset, n, (*grid)[0], (*grid)[1]});
        for (int i = 0; i < text; ++i) {
          t.text.push_back(offset + n + i);
          t.text_ids.push_back(i);
        }
        t.source = "inferred";
        fits.push_back(t);
      }
    }
    if (in.ids.empty()) break;
  }
  InferredLayout out;
  const std::string keys = std::to_string(in.keys) + " keys on a " + std::to_string(in.image_h) + "x" +
                           std::to_string(in.image_w) + " image";
  if (fits.size() == 1) out.layout = fits[0];
  else if (fits.empty()) out.refusal = keys + ": no grid of its shape fits (tried " + tried + ")";
  else out.refusal = keys + ": more than one layout fits (" + fits[0].describe() + "; " + fits[1].describe() + ")";
  return out;
}

StackLayout parse_image_tokens(const std::string& text) {
  const size_t colon = text.find(':');
  const auto offset = colon == std::string::npos ? std::nullopt : parse_integer(text.substr(0, colon), 0, kMaxImageTokens);
  const size_t x = colon == std::string::npos ? colon : text.find('x', colon);
  std::optional<long long> h, w;
  if (x != std::string::npos) {
    h = parse_integer(text.substr(colon + 1, x - colon - 1), 1, kMaxImageTokens);
    w = parse_integer(text.substr(x + 1), 1, kMaxImageTokens);
  }
  if (!offset || !h || !w || *h * *w > kMaxImageTokens)
    fail_option("image-tokens", " '" + text + "': expected OFFSET:HxW, e.g. 1:14x14");
  StackLayout l;
  l.kind = StackLayout::Kind::image_tokens;
  if (*offset > 0) l.segments.push_back({LayoutSegment::Kind::prefix, static_cast<int>(*offset)});
  l.segments.push_back({LayoutSegment::Kind::image, 0, static_cast<int>(*h), static_cast<int>(*w)});
  return l;
}

StackLayout parse_layout(const std::string& text) {
  StackLayout l;
  l.kind = StackLayout::Kind::segments;
  for (const auto& item : split(text, ',')) {
    const size_t colon = item.find(':');
    const std::string kind = trim(item.substr(0, colon)), value = colon == std::string::npos ? "" : trim(item.substr(colon + 1));
    LayoutSegment s;
    if (kind == "image") {
      s.kind = LayoutSegment::Kind::image;
      if (value == "budget") s.grid_from_budget = true;
      else {
        const auto grid = parse_grid(value, "layout");
        s.grid_h = grid[0];
        s.grid_w = grid[1];
      }
    } else if ((kind == "text" || kind == "prefix") && (value == "rest" ? kind == "text" : whole(value, 0, kMaxImageTokens).has_value())) {
      s.kind = kind == "text" ? LayoutSegment::Kind::text : LayoutSegment::Kind::prefix;
      s.count = value == "rest" ? -1 : static_cast<int>(*whole(value, 0, kMaxImageTokens));
    } else {
      fail_option("layout", " '" + text + "': '" + item + "' is not prefix:N, text:N, text:rest or image:HxW");
    }
    l.segments.push_back(s);
  }
  return l;
}

}  // namespace attnviz
