// Reads a model directory given with --model: every *.toml file in it, in name order.
#pragma once
#include <string>
#include <vector>

#include "core/model.h"
#include "core/result.h"

namespace sysjourney {

Result<std::vector<ModelFile>> read_model_dir(const std::string& dir);

// Reads a whole (small) file, e.g. a --profile.
Result<std::string> read_text_file(const std::string& path, std::size_t max_bytes = 4 << 20);

}  // namespace sysjourney
