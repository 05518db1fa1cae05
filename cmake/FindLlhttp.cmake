# Finds llhttp as Debian's node-llhttp ships it: C sources in /usr/share/llhttp and the header in
# /usr/share/include/llhttp, and builds them as the static library llhttp::llhttp. The parser is
# compiled with LLHTTP_STRICT_MODE=1 (wakeful-httpd adds the checks that 8.1 predates).
#
#   find_package(Llhttp REQUIRED)   ->  Llhttp_FOUND, Llhttp_VERSION, target llhttp::llhttp

find_path(Llhttp_INCLUDE_DIR llhttp.h PATHS /usr/share/include/llhttp /usr/include/llhttp NO_DEFAULT_PATH)
find_path(Llhttp_SOURCE_DIR llhttp.c PATHS /usr/share/llhttp NO_DEFAULT_PATH)

if(Llhttp_INCLUDE_DIR)
  file(STRINGS "${Llhttp_INCLUDE_DIR}/llhttp.h" _llhttp_version_lines REGEX "#define LLHTTP_VERSION_(MAJOR|MINOR|PATCH) ")
  foreach(_line IN LISTS _llhttp_version_lines)
    if(_line MATCHES "LLHTTP_VERSION_(MAJOR|MINOR|PATCH) ([0-9]+)")
      set(_llhttp_${CMAKE_MATCH_1} ${CMAKE_MATCH_2})
    endif()
  endforeach()
  set(Llhttp_VERSION "${_llhttp_MAJOR}.${_llhttp_MINOR}.${_llhttp_PATCH}")
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(Llhttp
  REQUIRED_VARS Llhttp_INCLUDE_DIR Llhttp_SOURCE_DIR
  VERSION_VAR Llhttp_VERSION
  REASON_FAILURE_MESSAGE "install Debian's node-llhttp (scripts/setup-debian.sh does)")

if(Llhttp_FOUND AND NOT TARGET llhttp::llhttp)
  add_library(llhttp STATIC
    ${Llhttp_SOURCE_DIR}/llhttp.c ${Llhttp_SOURCE_DIR}/api.c ${Llhttp_SOURCE_DIR}/http.c)
  target_include_directories(llhttp SYSTEM PUBLIC ${Llhttp_INCLUDE_DIR})
  target_compile_definitions(llhttp PUBLIC LLHTTP_STRICT_MODE=1)
  set_target_properties(llhttp PROPERTIES C_STANDARD 99 POSITION_INDEPENDENT_CODE ON)
  # Generated code: not ours to warn about.
  target_compile_options(llhttp PRIVATE -w)
  add_library(llhttp::llhttp ALIAS llhttp)
endif()
mark_as_advanced(Llhttp_INCLUDE_DIR Llhttp_SOURCE_DIR)
