#include "result.h"

namespace sysjourney {

std::string describe(const Error& e) {
  std::string out;
  if (!e.where.empty()) out += e.where + ": ";
  out += e.message;
  return out;
}

// Field by field: designated initializers would warn (-Wmissing-field-initializers).
Error failure(std::string message) {
  Error e;
  e.message = std::move(message);
  return e;
}

}  // namespace sysjourney
