// Human formatting of times and counts, shared by the CLI and the server.
#pragma once
#include <string>

namespace sysjourney {

// 0.93 ns, 311 ns, 88.2 µs, 12.4 ms, 1.50 s: three significant digits, unit chosen by size.
std::string format_ns(double ns);

// 264,123 (thousands separators, no decimals).
std::string format_count(double n);

// 0.4%, 12%, 99.7%
std::string format_share(double share);

}  // namespace sysjourney
