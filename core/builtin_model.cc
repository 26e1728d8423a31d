#include "builtin_model.h"

#include "embedded.h"

namespace sysjourney {

extern const EmbeddedFile model_files[];
extern const size_t model_files_count;

std::vector<ModelFile> builtin_model_files() {
  std::vector<ModelFile> out;
  for (size_t i = 0; i < model_files_count; ++i) {
    out.push_back({model_files[i].path, std::string(model_files[i].data, model_files[i].size)});
  }
  return out;
}

const Result<Model>& builtin_model() {
  static const Result<Model> model = load_model(builtin_model_files());
  return model;
}

}  // namespace sysjourney
