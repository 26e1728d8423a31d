// Text laid out for a terminal: widths of UTF-8 text ("µ", "→" and the bars are one column
// each), padding and clipping by those widths, and ANSI colour. One copy for every table.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace sysjourney {

// Columns `s` takes: code points, not bytes.
std::size_t display_width(std::string_view s);

// `s` padded with spaces to `w` columns on the right (pad_right) or the left (pad_left); text
// already as wide or wider is kept whole.
std::string pad_right(const std::string& s, std::size_t w);
std::string pad_left(const std::string& s, std::size_t w);

// `s` cut to `w` columns, its last one "…", when it is wider.
std::string clip(const std::string& s, std::size_t w);

// `text` in the SGR colour `code` ("1" bold, "2" dim, "33" yellow) when `on`, else as it is.
std::string paint(bool on, std::string_view code, const std::string& text);

}  // namespace sysjourney
