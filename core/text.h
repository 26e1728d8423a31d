// Small text helpers that core, measure, the CLI and the server all need: one copy each.
#pragma once
#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace sysjourney {

// `s` without leading and trailing white space (std::isspace's: space, \t, \n, \v, \f, \r).
inline std::string_view trim(std::string_view s) {
  auto space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

// ASCII lower case ("KiB" -> "kib"); other bytes are kept as they are.
inline std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// The words of `text`, split at white space, in order ("a  b\n" -> {"a", "b"}).
inline std::vector<std::string_view> words(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    std::size_t j = i;
    while (j < text.size() && !std::isspace(static_cast<unsigned char>(text[j]))) ++j;
    if (j > i) out.push_back(text.substr(i, j - i));
    i = j;
  }
  return out;
}

// `text` cut at every `sep` ("a|b" -> {"a", "b"}; "" -> {""}; "a|" -> {"a", ""}).
inline std::vector<std::string> split(std::string_view text, char sep) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (true) {
    std::size_t end = text.find(sep, pos);
    out.emplace_back(
        text.substr(pos, end == std::string_view::npos ? text.size() - pos : end - pos));
    if (end == std::string_view::npos) return out;
    pos = end + 1;
  }
}

inline bool contains(const std::vector<std::string>& v, std::string_view x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// The whole of `s` as a number of type T ("17" -> 17; base 16: "ff" -> 255; "0.5" for a double),
// or nullopt for "", "17x", a sign T cannot hold, or a value out of T's range. `base` is for
// integers only.
template <class T>
std::optional<T> parse_number(std::string_view s, int base = 10) {
  T v{};
  std::from_chars_result r{};
  if constexpr (std::is_floating_point_v<T>)
    r = std::from_chars(s.data(), s.data() + s.size(), v);
  else
    r = std::from_chars(s.data(), s.data() + s.size(), v, base);
  auto [end, ec] = r;
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace sysjourney
