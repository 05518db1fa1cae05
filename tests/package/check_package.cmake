# cmake -P script: builds and runs tests/package/consumer against wakeful.
#
#   MODE=find_package      `cmake --install --component library` (the library alone, whether or
#                          not the server was built), then find_package(wakeful)
#   MODE=add_subdirectory  wakeful as a subdirectory of a C++23 project: wakeful is built as C++23
#   MODE=pkg-config        the installed library, compiled with `pkg-config --cflags --libs wakeful`
#   MODE=asio_mismatch     a project whose Asio differs from wakeful's (another release, then the
#                          other flavour) is refused by find_package(wakeful) at configure time
#
# OTHER_ASIO_INCLUDE_DIR (optional): a standalone Asio of another release for asio_mismatch (an
# unpacked libasio-dev); without it, a stand-in asio/version.hpp is written.

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "failed (${status}): ${ARGN}\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

function(install_library prefix)
  run(${CMAKE_COMMAND} --install ${WAKEFUL_BUILD_DIR} --component library --prefix ${prefix})
  foreach(expected include/wakeful/wakeful.hpp include/wakeful/config.hpp lib/libwakeful.a
          lib/cmake/wakeful/wakefulConfig.cmake lib/cmake/wakeful/FindWakefulAsio.cmake lib/pkgconfig/wakeful.pc)
    if(NOT EXISTS ${prefix}/${expected})
      message(FATAL_ERROR "cmake --install --component library did not install ${expected}")
    endif()
  endforeach()
  if(EXISTS ${prefix}/bin/wakeful-httpd)
    message(FATAL_ERROR "cmake --install --component library installed the server")
  endif()
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
set(configure ${CMAKE_COMMAND} -S ${CONSUMER_DIR} -B ${WORK_DIR}/build -G Ninja
  -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=${CXX_COMPILER} -DCMAKE_C_COMPILER=${C_COMPILER})

if(MODE STREQUAL "find_package")
  install_library(${WORK_DIR}/prefix)
  run(${configure} -DCONSUMER_USE=find_package -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix)
  run(${CMAKE_COMMAND} --build ${WORK_DIR}/build)
  set(consumer ${WORK_DIR}/build/consumer)
elseif(MODE STREQUAL "add_subdirectory")
  # The library is compiled here from its sources: unoptimised and in unity batches, so that the
  # check costs seconds, not the minute and a half of an -O3 build (what it checks is how wakeful
  # is configured as a subproject, not its code).
  run(${configure} -DCONSUMER_USE=add_subdirectory -DWAKEFUL_SOURCE_DIR=${WAKEFUL_SOURCE_DIR} -DCMAKE_CXX_STANDARD=23
    -DCMAKE_EXPORT_COMPILE_COMMANDS=ON -DCMAKE_BUILD_TYPE= -DWAKEFUL_UNITY_BUILD=ON)
  run(${CMAKE_COMMAND} --build ${WORK_DIR}/build)
  # The project's standard reaches wakeful's own sources, not only the project's.
  file(READ ${WORK_DIR}/build/compile_commands.json commands)
  if(NOT commands MATCHES "-std=c\\+\\+(23|2b)[^\n]*wakeful/lib/CMakeFiles/wakeful\\.dir/")
    message(FATAL_ERROR "wakeful's sources were not compiled as C++23 in a C++23 project:\n${commands}")
  endif()
  set(consumer ${WORK_DIR}/build/consumer)
elseif(MODE STREQUAL "pkg-config")
  install_library(${WORK_DIR}/prefix)
  find_program(PKG_CONFIG pkg-config REQUIRED)
  run(${CMAKE_COMMAND} -E env PKG_CONFIG_PATH=${WORK_DIR}/prefix/lib/pkgconfig ${PKG_CONFIG} --cflags --libs wakeful)
  string(STRIP "${last_output}" flags)
  separate_arguments(flags UNIX_COMMAND "${flags}")
  file(MAKE_DIRECTORY ${WORK_DIR}/build)
  run(${CXX_COMPILER} -O2 ${CONSUMER_DIR}/main.cpp -o ${WORK_DIR}/build/consumer ${flags})
  set(consumer ${WORK_DIR}/build/consumer)
elseif(MODE STREQUAL "asio_mismatch")
  install_library(${WORK_DIR}/prefix)
  file(STRINGS ${WORK_DIR}/prefix/include/wakeful/config.hpp built_line REGEX "^#define WAKEFUL_ASIO_VERSION ")
  string(REGEX MATCH "[0-9]+$" built_number "${built_line}")
  math(EXPR built_major "${built_number} / 100000")
  math(EXPR built_minor "${built_number} / 100 % 1000")
  math(EXPR built_patch "${built_number} % 100")
  set(built "${built_major}.${built_minor}.${built_patch}")

  set(other_dir "${OTHER_ASIO_INCLUDE_DIR}")
  set(other "")
  if(other_dir AND EXISTS ${other_dir}/asio/version.hpp)
    file(STRINGS ${other_dir}/asio/version.hpp other_line REGEX "^#define ASIO_VERSION ")
    string(REGEX MATCH "([0-9]+)\\.([0-9]+)\\.([0-9]+)" other "${other_line}")
  endif()
  if(other STREQUAL "" OR other STREQUAL built)
    # A release wakeful was not built with, as far as CMake can tell: only the version counts.
    if(built VERSION_EQUAL 1.30.2)
      set(other 1.36.0)
      set(other_number 103600)
    else()
      set(other 1.30.2)
      set(other_number 103002)
    endif()
    set(other_dir ${WORK_DIR}/other-asio)
    file(WRITE ${other_dir}/asio/version.hpp "#define ASIO_VERSION ${other_number} // ${other}\n")
  endif()

  execute_process(COMMAND ${configure} -DCONSUMER_USE=find_package -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix
      -DWAKEFUL_ASIO_INCLUDE_DIR=${other_dir}
    RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(status EQUAL 0)
    message(FATAL_ERROR "a consumer with Asio ${other} (${other_dir}) was accepted by wakeful built with ${built}")
  endif()
  # CMake wraps long messages, so any space may have become a line break.
  string(REGEX REPLACE "[ \t\r\n]+" " " said "${out}${err}")
  if(NOT said MATCHES "built with [a-z]+ Asio ${built}, but this project finds [a-z]+ Asio ${other}")
    message(FATAL_ERROR "the refusal does not name Asio ${built} and ${other}:\n${out}\n${err}")
  endif()
  string(REGEX MATCH "wakeful was built with.*" reason "${said}")
  message(STATUS "Asio ${other} refused: ${reason}")

  # The other flavour: standalone against Boost or the reverse.
  file(STRINGS ${WORK_DIR}/prefix/include/wakeful/config.hpp boost_line REGEX "^#define WAKEFUL_ASIO_IS_BOOST ")
  if(boost_line MATCHES "1$")
    set(other_flavour standalone)
  else()
    set(other_flavour boost)
  endif()
  file(REMOVE_RECURSE ${WORK_DIR}/build)
  execute_process(COMMAND ${configure} -DCONSUMER_USE=find_package -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix
      -DWAKEFUL_ASIO=${other_flavour}
    RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(status EQUAL 0)
    message(FATAL_ERROR "a consumer with ${other_flavour} Asio was accepted by wakeful built with the other flavour")
  endif()
  string(REGEX REPLACE "[ \t\r\n]+" " " said "${out}${err}")
  if(NOT said MATCHES "built with [a-z]+ Asio ${built}, (but this project finds ${other_flavour} Asio|and this project has no ${other_flavour} Asio)")
    message(FATAL_ERROR "the refusal of ${other_flavour} Asio does not say why:\n${out}\n${err}")
  endif()
  message(STATUS "${other_flavour} Asio refused")
  return()
else()
  message(FATAL_ERROR "MODE must be find_package, add_subdirectory, pkg-config or asio_mismatch")
endif()

run(${consumer})
if(NOT last_output MATCHES "sum of 100 tasks: 4950")
  message(FATAL_ERROR "the consumer printed: ${last_output}")
endif()
message(STATUS "consumer (${MODE}): ${last_output}")
