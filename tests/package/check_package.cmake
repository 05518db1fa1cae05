# cmake -P script: builds and runs tests/package/consumer against wakeful, either installed
# (MODE=find_package) or as a subdirectory (MODE=add_subdirectory).

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "failed (${status}): ${ARGN}\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
set(configure ${CMAKE_COMMAND} -S ${CONSUMER_DIR} -B ${WORK_DIR}/build -G Ninja
  -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=${CXX_COMPILER} -DCMAKE_C_COMPILER=${C_COMPILER})

if(MODE STREQUAL "find_package")
  run(${CMAKE_COMMAND} --install ${WAKEFUL_BUILD_DIR} --prefix ${WORK_DIR}/prefix)
  foreach(expected include/wakeful/wakeful.hpp lib/libwakeful.a lib/cmake/wakeful/wakefulConfig.cmake)
    if(NOT EXISTS ${WORK_DIR}/prefix/${expected})
      message(FATAL_ERROR "cmake --install did not install ${expected}")
    endif()
  endforeach()
  run(${configure} -DCONSUMER_USE=find_package -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix)
elseif(MODE STREQUAL "add_subdirectory")
  run(${configure} -DCONSUMER_USE=add_subdirectory -DWAKEFUL_SOURCE_DIR=${WAKEFUL_SOURCE_DIR})
else()
  message(FATAL_ERROR "MODE must be find_package or add_subdirectory")
endif()

run(${CMAKE_COMMAND} --build ${WORK_DIR}/build)
run(${WORK_DIR}/build/consumer)
if(NOT last_output MATCHES "sum of 100 tasks: 4950")
  message(FATAL_ERROR "the consumer printed: ${last_output}")
endif()
message(STATUS "consumer (${MODE}): ${last_output}")
