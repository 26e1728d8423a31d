# core's library sources, relative to core/: the one list, read by core/CMakeLists.txt (the
# native library) and by wasm/CMakeLists.txt (the same engine built with Emscripten).
# A new core/*.cc (other than a test) goes here.
set(SYSJOURNEY_CORE_SOURCES
  result.cc model.cc scenario.cc journey.cc profile.cc format.cc units.cc builtin_model.cc
  mitigations.cc fit.cc request.cc relevance.cc clause.cc)
