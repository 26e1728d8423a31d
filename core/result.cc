#include "result.h"

namespace sysjourney {

std::string describe(const Error& e) {
  std::string out;
  if (!e.where.empty()) out += e.where + ": ";
  out += e.message;
  return out;
}

}  // namespace sysjourney
