# bundle_page(<out_var> <out_dir> <web_dir> <web_files...>)
# The page as shipped, built at build time by tools/bundle/build.mjs (esbuild from npm, installed
# by scripts/deps.sh): every file of <web_dir> as it is, plus app.min.js (the modules bundled and
# minified), and index.html loading it. Sets <out_var> to the files in <out_dir>. Re-runs when
# any page file changes.
find_program(NODE_EXECUTABLE NAMES node nodejs)
if(NOT NODE_EXECUTABLE)
  set(NODE_EXECUTABLE node)  # not fatal at configure time: only the targets that embed the page need it
endif()

function(bundle_page out_var out_dir web_dir)
  set(outputs ${out_dir}/app.min.js)
  foreach(f IN LISTS ARGN)
    file(RELATIVE_PATH rel ${web_dir} ${f})
    list(APPEND outputs ${out_dir}/${rel})
  endforeach()
  set(tool ${CMAKE_SOURCE_DIR}/tools/bundle)
  add_custom_command(
    OUTPUT ${outputs}
    COMMAND ${NODE_EXECUTABLE} ${tool}/build.mjs ${web_dir} ${out_dir}
    DEPENDS ${ARGN} ${tool}/build.mjs ${tool}/package-lock.json
    COMMENT "Bundling the page (tools/bundle/build.mjs)"
    VERBATIM)
  set(${out_var} ${outputs} PARENT_SCOPE)
endfunction()
