#include "cli/terminal.h"

#include <fmt/format.h>

namespace sysjourney {

std::size_t display_width(std::string_view s) {
  std::size_t w = 0;
  for (unsigned char c : s) w += (c & 0xC0) != 0x80;
  return w;
}

std::string pad_right(const std::string& s, std::size_t w) {
  const std::size_t d = display_width(s);
  return d >= w ? s : s + std::string(w - d, ' ');
}

std::string pad_left(const std::string& s, std::size_t w) {
  const std::size_t d = display_width(s);
  return d >= w ? s : std::string(w - d, ' ') + s;
}

std::string clip(const std::string& s, std::size_t w) {
  if (display_width(s) <= w) return s;
  std::string out;
  std::size_t n = 0;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c & 0xC0) != 0x80 && ++n > w - 1) break;
    out += ch;
  }
  return out + "…";
}

std::string paint(bool on, std::string_view code, const std::string& text) {
  return on ? fmt::format("\033[{}m{}\033[0m", code, text) : text;
}

}  // namespace sysjourney
