# Builds the API reference and fails on any Doxygen warning (an undocumented public member, a
# broken reference), except for undocumented copy and move constructors and assignments, whose
# meaning is the language's. Run by ctest (release preset) and so by CI.
#   cmake -DDOXYGEN=doxygen -DDOXYFILE=<build>/docs/api/Doxyfile -DWARNINGS=<build>/docs/api/warnings.txt -P ...
cmake_minimum_required(VERSION 3.25)
file(REMOVE "${WARNINGS}")
execute_process(COMMAND "${DOXYGEN}" "${DOXYFILE}" RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "doxygen exited with ${status}")
endif()
file(STRINGS "${WARNINGS}" lines)
set(kept "")
set(special 0)
foreach(line IN LISTS lines)
  if(line MATCHES "Member ([A-Za-z_0-9]+)\\((const )?([A-Za-z_0-9]+) &&?[^)]*\\)( noexcept)?(=default)? \\(function\\)"
     AND CMAKE_MATCH_1 STREQUAL CMAKE_MATCH_3)
    math(EXPR special "${special} + 1")  # copy or move constructor
  elseif(line MATCHES "Member operator=\\(")
    math(EXPR special "${special} + 1")  # copy or move assignment
  elseif(NOT line STREQUAL "")
    string(APPEND kept "${line}\n")
  endif()
endforeach()
if(NOT kept STREQUAL "")
  message(FATAL_ERROR "the API reference has warnings:\n${kept}")
endif()
message(STATUS "API reference built without warnings (${special} copy/move members left undocumented)")
