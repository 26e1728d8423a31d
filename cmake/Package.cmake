# Installing and packaging: `make install` (cmake --install) and `make deb` (cpack -G DEB).
# Only the program, its man page and its completions are installed; test binaries are not.
include(GNUInstallDirs)
# Installing does not build first (the Makefile's install and deb targets do), so that cpack in
# tests/install packages the build tree as ctest found it instead of rebuilding it.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)
install(TARGETS sysjourney RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# Written at build time by the binary itself (cli/CMakeLists.txt, cli/gen_docs.sh).
install(FILES ${SYSJOURNEY_DOCS_DIR}/sysjourney.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${SYSJOURNEY_DOCS_DIR}/sysjourney.bash
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME sysjourney)
install(FILES ${SYSJOURNEY_DOCS_DIR}/_sysjourney
        DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)
install(FILES ${SYSJOURNEY_DOCS_DIR}/sysjourney.fish
        DESTINATION ${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d)

set(SYSJOURNEY_MAINTAINER "syscall-journey maintainers <maintainers@users.noreply.r-seed-6e4b6c8d.example>"
    CACHE STRING "The Maintainer field of the .deb")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME sysjourney)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${SYSJOURNEY_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${SYSJOURNEY_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "what one read(fd, buf, 16) really costs, stage by stage")
# Lines of the long description (Debian wants them under 80 columns).
string(JOIN "\n" CPACK_PACKAGE_DESCRIPTION
  "sysjourney follows one system call from the program to the device and back:"
  "the glibc wrapper, the SYSCALL trap, KPTI, the speculation mitigations, VFS,"
  "the page cache, the block layer, the drive, the wake-up and copy_to_user."
  "Each stage has its cost in cycles or nanoseconds, which tools can see it and"
  "the source of its numbers. It measures the same operations on this machine,"
  "fits the model to them, and serves an interactive page and a JSON API.")
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Depends: from the shared libraries the binary links, found by dpkg-shlibdeps (dpkg-dev).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # sysjourney_0.1.0_amd64.deb
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)  # the build keeps debug info; the package does not need it
set(CPACK_SOURCE_GENERATOR "")
include(CPack)
