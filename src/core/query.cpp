#include "attnviz/query.h"

#include <algorithm>
#include <climits>
#include <cstdio>

#include "attnviz/error.h"
#include "attnviz/strings.h"

namespace attnviz {

namespace {

bool parse_row(const std::string& text, int& value) {
  auto v = parse_integer(text, INT_MIN, INT_MAX);
  if (v) value = static_cast<int>(*v);
  return v.has_value();
}

}  // namespace

std::string QuerySpec::str() const {
  switch (kind) {
    case Kind::last: return "last";
    case Kind::cls: return "cls";
    case Kind::answer: return "answer";
    case Kind::text: return "text";
    case Kind::range:
      return first == last ? std::to_string(first) : std::to_string(first) + ":" + std::to_string(last);
  }
  return "last";
}

QuerySpec parse_query(const std::string& text) {
  QuerySpec q;
  if (text == "last") return q;
  if (text == "cls") { q.kind = QuerySpec::Kind::cls; return q; }
  if (text == "answer") { q.kind = QuerySpec::Kind::answer; return q; }
  if (text == "text") { q.kind = QuerySpec::Kind::text; return q; }
  q.kind = QuerySpec::Kind::range;
  const size_t colon = text.find(':');
  if (colon == std::string::npos ? parse_row(text, q.first) && parse_row(text, q.last)
                                 : parse_row(text.substr(0, colon), q.first) &&
                                       parse_row(text.substr(colon + 1), q.last))
    return q;
  fail_option("query", " '" + text + "': expected last, cls, answer, text, a row N or rows A:B");
}

std::vector<int> query_rows(const QuerySpec& q, const SequenceLayout& s) {
  std::vector<int> rows;
  const int shift = s.tk - s.tq;
  auto check = [&](int r) {
    if (r < 0 || r >= s.tq)
      fail_option("query", " " + q.str() + ": row " + std::to_string(r) + " is outside the " + std::to_string(s.tq) +
                               " query tokens");
    return r;
  };
  switch (q.kind) {
    case QuerySpec::Kind::last: rows.push_back(s.tq - 1); break;
    case QuerySpec::Kind::cls:
      if (!s.cls) fail_option("query", " cls: there is no CLS (prefix) token before the image here");
      rows.push_back(check(*s.cls - shift));
      break;
    case QuerySpec::Kind::answer:
      if (s.answer_len <= 0) fail_option("query", " answer: the model generated no answer here");
      // The rows whose outputs predicted the answer tokens: the last prompt token up to
      // the answer's second-to-last token.
      for (int j = 0; j < s.answer_len; ++j) rows.push_back(check(s.text.at(s.prompt_len - 1 + j) - shift));
      break;
    case QuerySpec::Kind::text:
      if (s.text.empty()) fail_option("query", " text: the sequence has no text tokens");
      for (int key : s.text) rows.push_back(check(key - shift));
      break;
    case QuerySpec::Kind::range: {
      int a = q.first < 0 ? s.tq + q.first : q.first;
      int b = q.last < 0 ? s.tq + q.last : q.last;
      check(a);
      check(b);
      if (a > b) fail_option("query", " " + q.str() + ": range runs backwards");
      for (int r = a; r <= b; ++r) rows.push_back(r);
      break;
    }
  }
  return rows;
}

namespace {

// The mean of the rows over the image tokens, its mass and its peak.
ImageMap map_of_rows(const std::vector<const float*>& row_data, size_t rows, const TokenSpan& span) {
  ImageMap m;
  m.grid_h = span.grid_h;
  m.grid_w = span.grid_w;
  m.values.assign(static_cast<size_t>(span.count), 0.0f);
  if (rows == 0) return m;
  for (const float* row : row_data) {
    if (!row) continue;
    for (int i = 0; i < span.count; ++i) m.values[i] += row[span.offset + i];
  }
  float best = -1.0f;
  for (int i = 0; i < span.count; ++i) {
    m.values[i] /= static_cast<float>(rows);
    m.image_mass += m.values[i];
    if (m.values[i] > best) {
      best = m.values[i];
      m.peak_row = i / span.grid_w;
      m.peak_col = i % span.grid_w;
    }
  }
  return m;
}

}  // namespace

ImageMap image_map(const std::vector<float>& matrix, int tq, int tk, const std::vector<int>& rows,
                   const TokenSpan& span) {
  std::vector<const float*> data;
  if (span.offset + span.count <= tk)
    for (int r : rows)
      if (r >= 0 && r < tq) data.push_back(matrix.data() + static_cast<size_t>(r) * tk);
  return map_of_rows(data, span.offset + span.count <= tk ? rows.size() : 0, span);
}

ImageMap image_map(const AttentionMap& layer, const std::vector<int>& rows, const TokenSpan& span) {
  // Every head kept: the rows' head mean, as matrix() gives it.
  if (layer.fusion.kind == HeadFusion::Kind::all && layer.pool == 1 && !layer.fused.empty())
    return image_map(layer.matrix(), layer.tq, layer.tk, rows, span);
  std::vector<const float*> data;
  if (span.offset + span.count <= layer.tk)
    for (int r : rows) data.push_back(layer.query_row(r));
  return map_of_rows(data, span.offset + span.count <= layer.tk ? rows.size() : 0, span);
}

}  // namespace attnviz
