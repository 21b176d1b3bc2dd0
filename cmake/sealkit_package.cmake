# What `make install PREFIX=...` (cmake --install) puts where, beyond the
# libraries and headers installed next to their targets:
#   LIBDIR/cmake/sealkit/     find_package(sealkit): sealkit::sealkit, sealkit::autoseal
#   LIBDIR/pkgconfig/         sealkit.pc, sealkit-autoseal.pc
#   LIBDIR/libsealkit-autoseal.a
#   MANDIR/man1/sealkit.1, MANDIR/man3/sealkit.3
#   DATADIR/bash-completion/completions/sealkit
# tests/install/ installs into a temporary prefix and builds a consumer
# against it both ways.
include(CMakePackageConfigHelpers)

set(SEALKIT_CMAKE_PACKAGE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/sealkit)

install(TARGETS sealkit_autoseal EXPORT sealkit-targets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(EXPORT sealkit-targets NAMESPACE sealkit:: FILE sealkitTargets.cmake
  DESTINATION ${SEALKIT_CMAKE_PACKAGE_DIR})
configure_package_config_file(packaging/sealkitConfig.cmake.in
  ${PROJECT_BINARY_DIR}/packaging/sealkitConfig.cmake
  INSTALL_DESTINATION ${SEALKIT_CMAKE_PACKAGE_DIR}
  PATH_VARS CMAKE_INSTALL_INCLUDEDIR CMAKE_INSTALL_LIBDIR)
# 0.x: a new minor version may change the API, so only the same minor matches.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/packaging/sealkitConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/packaging/sealkitConfig.cmake
              ${PROJECT_BINARY_DIR}/packaging/sealkitConfigVersion.cmake
  DESTINATION ${SEALKIT_CMAKE_PACKAGE_DIR})

# pkg-config files locate the prefix from their own directory (${pcfiledir}),
# so `cmake --install --prefix X` needs no reconfiguration and the tree can move.
set(SEALKIT_PC_DIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
if(IS_ABSOLUTE "${SEALKIT_PC_DIR}")
  set(SEALKIT_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
  set(SEALKIT_PC_LIBDIR "${CMAKE_INSTALL_LIBDIR}")
else()
  file(RELATIVE_PATH SEALKIT_PC_UP /prefix/${SEALKIT_PC_DIR} /prefix)
  string(REGEX REPLACE "/$" "" SEALKIT_PC_UP "${SEALKIT_PC_UP}")
  set(SEALKIT_PC_PREFIX "\${pcfiledir}/${SEALKIT_PC_UP}")
  set(SEALKIT_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
endif()
if(IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(SEALKIT_PC_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}")
else()
  set(SEALKIT_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
foreach(pc sealkit sealkit-autoseal)
  configure_file(packaging/${pc}.pc.in ${PROJECT_BINARY_DIR}/packaging/${pc}.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/packaging/${pc}.pc DESTINATION ${SEALKIT_PC_DIR})
endforeach()

install(FILES docs/sealkit.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES docs/sealkit.3 DESTINATION ${CMAKE_INSTALL_MANDIR}/man3)
install(FILES packaging/bash-completion/sealkit DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
