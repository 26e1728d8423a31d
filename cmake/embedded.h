// A file carried inside the binary (see cmake/Embed.cmake).
#pragma once
#include <cstddef>

namespace sysjourney {
struct EmbeddedFile {
  const char* path;  // relative to the embedded folder, e.g. "stages.toml"
  const char* data;
  std::size_t size;
};
}  // namespace sysjourney
