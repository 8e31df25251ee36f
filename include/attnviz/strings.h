#pragma once
// Small text helpers shared by every parser of what users and files supply.
#include <optional>
#include <string>
#include <vector>

namespace attnviz {

// A whole decimal integer ("-12", "+3") in [min, max], nothing around it; nothing
// otherwise. Callers that allow spaces around values trim first.
std::optional<long long> parse_integer(const std::string& text, long long min, long long max);

// Leading and trailing white space removed.
std::string trim(const std::string& text);

// Split at every `sep`; "a,,b" gives an empty middle item, "" gives one empty item.
std::vector<std::string> split(const std::string& text, char sep);

// Control bytes written as escapes (\n, \t, \x1b), so that text quoted from users and
// files cannot break a one-line message or drive a terminal. UTF-8 passes through.
std::string escape_control(const std::string& text);

}  // namespace attnviz
