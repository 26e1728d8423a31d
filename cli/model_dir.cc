#include "model_dir.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace sysjourney {

Result<std::string> read_text_file(const std::string& path, std::size_t max_bytes) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec)
    return Error{fmt::format("cannot read {}: {}", path, ec.message()), "file", path,
                 "a readable file", ""};
  if (size > max_bytes) {
    return Error{fmt::format("{} is {} bytes, more than the {} allowed", path, size, max_bytes),
                 "file", path, "a small text file", ""};
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{fmt::format("cannot open {}", path), "file", path, "a readable file", ""};
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Result<std::vector<ModelFile>> read_model_dir(const std::string& dir) {
  std::error_code ec;
  std::vector<std::filesystem::path> paths;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".toml" && entry.is_regular_file())
      paths.push_back(entry.path());
  }
  if (ec)
    return Error{fmt::format("cannot read model directory {}: {}", dir, ec.message()), "model", dir,
                 "a directory of .toml files", ""};
  if (paths.empty())
    return Error{fmt::format("model directory {} has no .toml files", dir), "model", dir,
                 "a directory of .toml files", ""};
  std::sort(paths.begin(), paths.end());
  std::vector<ModelFile> files;
  for (const auto& p : paths) {
    auto text = read_text_file(p.string());
    if (!text) return text.error();
    files.push_back({p.filename().string(), *text});
  }
  return files;
}

}  // namespace sysjourney
