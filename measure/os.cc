#include "measure/os.h"

#include <cerrno>
#include <charconv>
#include <system_error>
#include <utility>

namespace sysjourney::measure {

Error os_error(std::string_view what, std::string_view target, int err) {
  // std::generic_category().message is strerror without strerror's shared buffer.
  std::string message = "cannot " + std::string(what);
  if (!target.empty()) message += " " + std::string(target);
  message += ": " + std::generic_category().message(err);
  Error e = failure(std::move(message));
  e.field = "errno";
  e.value = std::to_string(err);
  return e;
}

int errno_of(const Error& e) {
  if (e.field != "errno") return 0;
  int err = 0;
  std::from_chars(e.value.data(), e.value.data() + e.value.size(), err);
  return err;
}

}  // namespace sysjourney::measure
