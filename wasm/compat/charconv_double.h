// std::from_chars / std::to_chars for floating point, which the libc++ of Debian's emscripten
// 3.1.6 lacks (it has only the integer overloads). Force-included (-include) into
// core/scenario.cc and core/model.cc for the wasm build only; the native build uses libstdc++'s.
//
// from_chars(double): the C++ grammar (optional '-', no '+', no leading space, no hex in
// `general`), the longest match, errc::invalid_argument when nothing matches,
// errc::result_out_of_range (value untouched) when it overflows or underflows to zero; the
// digits are converted by JavaScript's Number() (correctly rounded, like strtod).
// to_chars(float/double): shortest round-trip text (or hex), written by fmt. toml++ only uses
// it to print values in messages.
#pragma once
#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <limits>
#include <string>
#include <system_error>

namespace sysjourney_wasm_compat {

inline bool lower_is(const char* p, const char* last, const char* word) {
  for (; *word; ++p, ++word) {
    if (p == last || (*p | 0x20) != *word) return false;
  }
  return true;
}

// Where a number starting at `first` ends (first when there is none).
inline const char* match_number(const char* first, const char* last) {
  const char* p = first;
  if (p != last && *p == '-') ++p;
  if (lower_is(p, last, "infinity")) return p + 8;
  if (lower_is(p, last, "inf")) return p + 3;
  if (lower_is(p, last, "nan")) {
    const char* q = p + 3;
    if (q != last && *q == '(') {
      const char* r = q + 1;
      while (r != last && (std::isalnum(static_cast<unsigned char>(*r)) || *r == '_')) ++r;
      if (r != last && *r == ')') return r + 1;
    }
    return q;
  }
  auto digit = [&](const char* x) { return x != last && *x >= '0' && *x <= '9'; };
  int digits = 0;
  while (digit(p)) ++p, ++digits;
  if (p != last && *p == '.') {
    ++p;
    while (digit(p)) ++p, ++digits;
  }
  if (digits == 0) return first;
  if (p != last && (*p == 'e' || *p == 'E')) {
    const char* q = p + 1;
    if (q != last && (*q == '+' || *q == '-')) ++q;
    if (digit(q)) {
      while (digit(q)) ++q;
      p = q;
    }
  }
  return p;
}

}  // namespace sysjourney_wasm_compat

// Converts the digits the grammar above accepted ([-]digits[.digits][e[+-]digits]) with the
// JavaScript engine's Number(), which is correctly rounded like strtod but costs no code in the
// module (musl's strtod and its long-double arithmetic would add ~10 KB). Defined with EM_JS in
// wasm/engine_wasm.cc.
extern "C" double sysjourney_parse_double(const char* text, int length);

namespace std {
inline from_chars_result from_chars(const char* first, const char* last, double& value,
                                    chars_format fmt = chars_format::general) {
  (void)fmt;  // core uses `general` only
  const char* end = sysjourney_wasm_compat::match_number(first, last);
  if (end == first) return {first, errc::invalid_argument};
  const char* p = first;
  bool negative = *p == '-';
  if (negative) ++p;
  double d = 0;
  if ((*p | 0x20) == 'i') {
    d = numeric_limits<double>::infinity();
  } else if ((*p | 0x20) == 'n') {
    d = numeric_limits<double>::quiet_NaN();
  } else {
    d = sysjourney_parse_double(p, int(end - p));
    if (d == numeric_limits<double>::infinity()) return {end, errc::result_out_of_range};
    bool nonzero = false;
    for (const char* q = p; q != end && *q != 'e' && *q != 'E'; ++q)
      nonzero |= (*q >= '1' && *q <= '9');
    if (d == 0 && nonzero) return {end, errc::result_out_of_range};
  }
  value = negative ? -d : d;
  return {end, errc()};
}

inline from_chars_result from_chars(const char* first, const char* last, float& value,
                                    chars_format fmt = chars_format::general) {
  double d = 0;
  auto r = from_chars(first, last, d, fmt);
  if (r.ec == errc()) value = float(d);
  return r;
}

template <typename T>
to_chars_result sysjourney_wasm_to_chars(char* first, char* last, T value, const char* spec,
                                         int precision) {
  auto n = std::size_t(last - first);
  auto r = precision < 0 ? fmt::format_to_n(first, n, fmt::runtime(spec), value)
                         : fmt::format_to_n(first, n, fmt::runtime(spec), value, precision);
  if (r.size > n) return {last, errc::value_too_large};
  return {r.out, errc()};
}
inline const char* sysjourney_wasm_spec(chars_format f, bool precise) {
  switch (f) {
    case chars_format::hex:
      return precise ? "{:.{}a}" : "{:a}";
    case chars_format::fixed:
      return precise ? "{:.{}f}" : "{:f}";
    case chars_format::scientific:
      return precise ? "{:.{}e}" : "{:e}";
    default:
      return precise ? "{:.{}g}" : "{}";
  }
}
inline to_chars_result to_chars(char* first, char* last, double value) {
  return sysjourney_wasm_to_chars(first, last, value, "{}", -1);
}
inline to_chars_result to_chars(char* first, char* last, float value) {
  return sysjourney_wasm_to_chars(first, last, value, "{}", -1);
}
inline to_chars_result to_chars(char* first, char* last, double value, chars_format f) {
  return sysjourney_wasm_to_chars(first, last, value, sysjourney_wasm_spec(f, false), -1);
}
inline to_chars_result to_chars(char* first, char* last, float value, chars_format f) {
  return sysjourney_wasm_to_chars(first, last, value, sysjourney_wasm_spec(f, false), -1);
}
inline to_chars_result to_chars(char* first, char* last, double value, chars_format f,
                                int precision) {
  return sysjourney_wasm_to_chars(first, last, value, sysjourney_wasm_spec(f, true), precision);
}
inline to_chars_result to_chars(char* first, char* last, float value, chars_format f,
                                int precision) {
  return sysjourney_wasm_to_chars(first, last, value, sysjourney_wasm_spec(f, true), precision);
}
}  // namespace std
