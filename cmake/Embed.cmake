# embed_files(<out.cc> <symbol> <base_dir> <files...>)
# Turns real files into a generated C++ source at build time, so the binary carries them and
# nothing is read from disk at run time. The generated file defines
#   const sysjourney::EmbeddedFile <symbol>[]; const size_t <symbol>_count;
# with paths relative to <base_dir>. See cmake/embedded.h.
function(embed_files out symbol base)
  set(files ${ARGN})
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DOUT=${out} -DSYMBOL=${symbol} -DBASE=${base}
            "-DFILES=${files}" -P ${CMAKE_SOURCE_DIR}/cmake/EmbedScript.cmake
    DEPENDS ${files} ${CMAKE_SOURCE_DIR}/cmake/EmbedScript.cmake
    COMMENT "Embedding ${symbol}"
    VERBATIM)
endfunction()
