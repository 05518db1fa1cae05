# Installs wakeful as a CMake package: headers, the static library and wakefulConfig.cmake, so
# that another project can `find_package(wakeful)` and link `wakeful::wakeful`.

include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS wakeful EXPORT wakefulTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/lib/include/wakeful DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES ${wakeful_generated_include_dir}/wakeful/config.hpp DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/wakeful)

set(wakeful_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/wakeful)
install(EXPORT wakefulTargets NAMESPACE wakeful:: DESTINATION ${wakeful_cmake_dir})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/wakefulConfig.cmake.in
  ${PROJECT_BINARY_DIR}/wakefulConfig.cmake INSTALL_DESTINATION ${wakeful_cmake_dir})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/wakefulConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/wakefulConfig.cmake ${PROJECT_BINARY_DIR}/wakefulConfigVersion.cmake
  DESTINATION ${wakeful_cmake_dir})
