#include "units.h"

#include <fmt/format.h>

#include <cmath>

namespace sysjourney {

namespace {
std::string three_digits(double v) {
  if (v >= 100) return fmt::format("{:.0f}", v);
  if (v >= 10) return fmt::format("{:.1f}", v);
  return fmt::format("{:.2f}", v);
}
}  // namespace

std::string format_ns(double ns) {
  if (!std::isfinite(ns)) return "?";
  double a = std::fabs(ns);
  if (a == 0) return "0 ns";
  if (a < 999.5) return three_digits(ns) + " ns";
  if (a < 999.5e3) return three_digits(ns / 1e3) + " µs";
  if (a < 999.5e6) return three_digits(ns / 1e6) + " ms";
  return three_digits(ns / 1e9) + " s";
}

std::string format_count(double n) {
  std::string digits = fmt::format("{:.0f}", std::round(std::fabs(n)));
  std::string out;
  int count = 0;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    if (count && count % 3 == 0) out.insert(out.begin(), ',');
    out.insert(out.begin(), *it);
    ++count;
  }
  return n < 0 ? "-" + out : out;
}

std::string format_share(double share) {
  double pct = share * 100;
  if (pct > 0 && pct < 0.1) return "<0.1%";
  if (pct < 10) return fmt::format("{:.1f}%", pct);
  return fmt::format("{:.0f}%", pct);
}

}  // namespace sysjourney
