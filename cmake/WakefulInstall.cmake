# Installs wakeful as a CMake package and a pkg-config package: headers (with the generated
# wakeful/config.hpp), the static library, wakefulConfig.cmake and wakeful.pc, all in the install
# component `library`, so that `cmake --install <build> --component library` works whether or
# not the server (component `server`) was configured or built.

include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS wakeful EXPORT wakefulTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT library
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/lib/include/wakeful DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  COMPONENT library)
install(FILES ${wakeful_generated_include_dir}/wakeful/config.hpp DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/wakeful
  COMPONENT library)

set(wakeful_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/wakeful)
install(EXPORT wakefulTargets NAMESPACE wakeful:: DESTINATION ${wakeful_cmake_dir} COMPONENT library)
# What wakefulConfig.cmake checks a consumer's Asio against.
set(WAKEFUL_PACKAGE_ASIO_FLAVOUR ${WakefulAsio_FLAVOUR})
set(WAKEFUL_PACKAGE_ASIO_VERSION ${WakefulAsio_VERSION})
set(WAKEFUL_PACKAGE_ASIO_INCLUDE_DIR ${WakefulAsio_INCLUDE_DIR})
set(WAKEFUL_PACKAGE_IO_BACKEND ${WAKEFUL_IO_BACKEND_RESOLVED})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/wakefulConfig.cmake.in
  ${PROJECT_BINARY_DIR}/wakefulConfig.cmake INSTALL_DESTINATION ${wakeful_cmake_dir})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/wakefulConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
# The consumer finds its Asio with the same module as wakeful's build.
install(FILES ${PROJECT_BINARY_DIR}/wakefulConfig.cmake ${PROJECT_BINARY_DIR}/wakefulConfigVersion.cmake
  ${PROJECT_SOURCE_DIR}/cmake/FindWakefulAsio.cmake
  DESTINATION ${wakeful_cmake_dir} COMPONENT library)

# wakeful.pc. The Asio include directory goes in only when it is not one the compiler searches
# anyway (an unpacked libasio-dev in a build tree, say), where -I would change the header order.
set(wakeful_pc_cflags "")
if(NOT WakefulAsio_INCLUDE_DIR IN_LIST CMAKE_CXX_IMPLICIT_INCLUDE_DIRECTORIES)
  string(APPEND wakeful_pc_cflags " -isystem ${WakefulAsio_INCLUDE_DIR}")
endif()
foreach(definition IN LISTS WakefulAsio_DEFINITIONS)
  string(APPEND wakeful_pc_cflags " -D${definition}")
endforeach()
# Relative to the .pc file (pkg-config's ${pcfiledir}), so that the tree works wherever
# `cmake --install --prefix` puts it.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}" OR IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(wakeful_pc_prefix ${CMAKE_INSTALL_PREFIX})
  set(wakeful_pc_includedir ${CMAKE_INSTALL_FULL_INCLUDEDIR})
  set(wakeful_pc_libdir ${CMAKE_INSTALL_FULL_LIBDIR})
else()
  file(RELATIVE_PATH wakeful_pc_to_prefix /${CMAKE_INSTALL_LIBDIR}/pkgconfig /)
  string(REGEX REPLACE "/$" "" wakeful_pc_to_prefix "${wakeful_pc_to_prefix}")
  set(wakeful_pc_prefix "\${pcfiledir}/${wakeful_pc_to_prefix}")
  set(wakeful_pc_includedir "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
  set(wakeful_pc_libdir "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
endif()
configure_file(${PROJECT_SOURCE_DIR}/cmake/wakeful.pc.in ${PROJECT_BINARY_DIR}/wakeful.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/wakeful.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT library)
