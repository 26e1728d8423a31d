// What measure/'s tests share: the built-in model (core's test_model()) and the real captures in
// measure/testdata/ (SYSJOURNEY_MEASURE_TESTDATA, set by the test targets).
#pragma once
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "core/test_util.h"

namespace sysjourney::measure {

inline std::string testdata(const std::string& name) {
  std::ifstream in(std::string(SYSJOURNEY_MEASURE_TESTDATA) + "/" + name);
  std::stringstream s;
  s << in.rdbuf();
  if (s.str().empty()) ADD_FAILURE() << "cannot read testdata/" << name;
  return s.str();
}

}  // namespace sysjourney::measure
