// The model files embedded in the binary at build time (model/*.toml).
#pragma once
#include <vector>

#include "model.h"

namespace sysjourney {

std::vector<ModelFile> builtin_model_files();

// Loads the embedded model once; a broken embedded model is a build bug, reported as an error.
const Result<Model>& builtin_model();

}  // namespace sysjourney
