// What every fuzz target asserts beyond "no crash": a broken promise aborts, which libFuzzer
// reports as a crash with the input that caused it.
#pragma once
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "core/result.h"

namespace sysjourney::fuzz {

inline void check(bool ok, const char* promise, const std::string& detail = "") {
  if (ok) return;
  std::fprintf(stderr, "fuzz: broken promise: %s\n%s\n", promise, detail.substr(0, 2000).c_str());
  std::abort();
}

// Every refusal says what was wrong.
inline void check_error(const Error& e) {
  check(!e.message.empty(), "an error has a message", e.field);
}

inline bool is_json(const std::string& text) { return nlohmann::json::accept(text); }

}  // namespace sysjourney::fuzz
