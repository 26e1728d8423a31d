// The engine for the browser: server/api.cc's Api over the embedded model, behind four C
// functions. The answers are the server's by construction (same Api class, same core); only
// the query-string decoding is ours, and it follows cpp-httplib 0.11's (Debian 12's), which is
// what the server's handlers receive. tests/wasm/equivalence.test.js holds the two side by side.
//
//   sj_call(endpoint, raw_query) -> body   endpoint: "model", "run", "compare" (GET /api/...),
//                                           "fit" (POST /api/fit: raw_query is the body)
//                                           or "health" (GET /healthz); raw_query undecoded
//   sj_status()                  -> the HTTP status the server would have answered (200, 400, ...)
//   sj_content_type()            -> its Content-Type
//   sj_length()                  -> the body's length in bytes
//
// Strings are UTF-8 and NUL-terminated; the returned pointers stay valid until the next call.
#include <emscripten/em_js.h>
#include <emscripten/emscripten.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "core/builtin_model.h"
#include "server/api.h"

// Number() of `length` ASCII characters: the digits of std::from_chars(double) in the wasm
// build (see compat/charconv_double.h).
EM_JS(double, sysjourney_parse_double, (const char* text, int length),
      { return Number(String.fromCharCode.apply(null, HEAPU8.subarray(text, text + length))); });

namespace sysjourney {
namespace {

// --- cpp-httplib 0.11's query parsing (detail::split, trim, decode_url, parse_query_text) ---

bool space_or_tab(char c) { return c == ' ' || c == '\t'; }

// Calls fn(b, e) for each non-empty, space-trimmed piece of [b, e) between separators `d`.
template <class Fn>
void split(const char* b, const char* e, char d, Fn fn) {
  auto piece = [&](std::size_t left, std::size_t right) {
    while (b + left < e && space_or_tab(b[left])) ++left;
    while (right > 0 && space_or_tab(b[right - 1])) --right;
    if (left < right) fn(b + left, b + right);
  };
  std::size_t i = 0, beg = 0;
  for (; b + i < e; ++i) {
    if (b[i] == d) {
      piece(beg, i);
      beg = i + 1;
    }
  }
  if (i) piece(beg, i);
}

bool hex_digit(char c, int& v) {
  if (c >= '0' && c <= '9')
    v = c - '0';
  else if (c >= 'a' && c <= 'f')
    v = c - 'a' + 10;
  else if (c >= 'A' && c <= 'F')
    v = c - 'A' + 10;
  else
    return false;
  return true;
}

bool from_hex(const std::string& s, std::size_t i, std::size_t count, int& val) {
  if (i >= s.size()) return false;
  val = 0;
  for (; count; ++i, --count) {
    if (i >= s.size()) return false;
    int v = 0;
    if (!hex_digit(s[i], v)) return false;
    val = val * 16 + v;
  }
  return true;
}

std::size_t to_utf8(int code, char* buf) {
  if (code < 0x0080) {
    buf[0] = char(code & 0x7F);
    return 1;
  }
  if (code < 0x0800) {
    buf[0] = char(0xC0 | ((code >> 6) & 0x1F));
    buf[1] = char(0x80 | (code & 0x3F));
    return 2;
  }
  if (code < 0xD800 || (code >= 0xE000 && code < 0x10000)) {
    buf[0] = char(0xE0 | ((code >> 12) & 0xF));
    buf[1] = char(0x80 | ((code >> 6) & 0x3F));
    buf[2] = char(0x80 | (code & 0x3F));
    return 3;
  }
  if (code >= 0x10000 && code < 0x110000) {
    buf[0] = char(0xF0 | ((code >> 18) & 0x7));
    buf[1] = char(0x80 | ((code >> 12) & 0x3F));
    buf[2] = char(0x80 | ((code >> 6) & 0x3F));
    buf[3] = char(0x80 | (code & 0x3F));
    return 4;
  }
  return 0;  // surrogates: dropped
}

// %XX, %uXXXX and '+' -> ' '; a '%' not followed by hex digits stays as it is.
std::string decode_url(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 1 < s.size()) {
      int val = 0;
      if (s[i + 1] == 'u') {
        if (from_hex(s, i + 2, 4, val)) {
          char buf[4];
          out.append(buf, to_utf8(val, buf));
          i += 5;
        } else {
          out += s[i];
        }
      } else if (from_hex(s, i + 1, 2, val)) {
        out += char(val);
        i += 2;
      } else {
        out += s[i];
      }
    } else if (s[i] == '+') {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

// "a=1&b=2": pieces split on '&', each split on '=' (the key is the first piece, the value the
// last); a piece without a key ("=") is dropped. An exact repeat ("cache=hit&cache=hit") is kept,
// as the server's query_params (server/httplib_workarounds.cc) keeps it, so that the API refuses
// it on both. The handlers see parameters sorted by key, repeats of a key in order of
// appearance, as httplib's std::multimap gives them; a stable sort does the same.
Params parse_query(const std::string& q) {
  Params out;
  split(q.data(), q.data() + q.size(), '&', [&](const char* b, const char* e) {
    std::string key, val;
    split(b, e, '=', [&](const char* b2, const char* e2) {
      if (key.empty())
        key.assign(b2, e2);
      else
        val.assign(b2, e2);
    });
    if (!key.empty()) out.emplace_back(decode_url(key), decode_url(val));
  });
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& x, const auto& y) { return x.first < y.first; });
  return out;
}

// --- the engine ---

const Api* api() {
  static const std::unique_ptr<Api> instance = []() -> std::unique_ptr<Api> {
    const auto& m = builtin_model();
    if (!m) return nullptr;
    return std::make_unique<Api>(*m, SYSJOURNEY_VERSION);
  }();
  return instance.get();
}

ApiResponse last;

ApiResponse answer(const std::string& endpoint, const std::string& query) {
  const Api* a = api();
  if (!a) {
    const auto& m = builtin_model();
    return Api::error(500, "the embedded model does not load: " + describe(m.error()));
  }
  if (endpoint == "model") return a->model(parse_query(query));
  if (endpoint == "health") return a->health();
  if (endpoint == "run") return a->run(parse_query(query));
  if (endpoint == "compare") return a->compare(parse_query(query));
  if (endpoint == "fit") return a->fit(query);  // the body of POST /api/fit, as it is
  return Api::error(404, "no API endpoint /api/" + endpoint, "path", "/api/" + endpoint,
                    "/api/model, /api/run, /api/compare, /api/measure (POST), /api/fit (POST)");
}

}  // namespace
}  // namespace sysjourney

extern "C" {

EMSCRIPTEN_KEEPALIVE const char* sj_call(const char* endpoint, const char* query) {
  sysjourney::last = sysjourney::answer(endpoint ? endpoint : "", query ? query : "");
  return sysjourney::last.body.c_str();
}

EMSCRIPTEN_KEEPALIVE int sj_status() { return sysjourney::last.status; }

EMSCRIPTEN_KEEPALIVE const char* sj_content_type() { return sysjourney::last.content_type.c_str(); }

// The length of the last body in bytes (bodies are JSON or CSV, so no NUL inside; this lets
// the loader decode without scanning for the terminator).
EMSCRIPTEN_KEEPALIVE int sj_length() { return int(sysjourney::last.body.size()); }
}
