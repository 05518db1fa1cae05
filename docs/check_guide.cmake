# Checks that docs/guide.md shows every example under docs/examples/ exactly as the file is: each
# appears after a marker line `<!-- example: NAME.cpp -->` as a ```cpp block holding the whole
# file. The examples are compiled and run by ctest; this keeps the text the reader sees the same.
#   cmake -DGUIDE=docs/guide.md -DEXAMPLES=docs/examples -P docs/check_guide.cmake
file(READ "${GUIDE}" guide)
file(GLOB examples RELATIVE "${EXAMPLES}" "${EXAMPLES}/*.cpp")
set(failures 0)
foreach(example IN LISTS examples)
  file(READ "${EXAMPLES}/${example}" code)
  set(shown "<!-- example: ${example} -->\n```cpp\n${code}```\n")
  string(FIND "${guide}" "${shown}" at)
  if(at EQUAL -1)
    message(SEND_ERROR "docs/guide.md does not show docs/examples/${example} as it is "
      "(expected a line '<!-- example: ${example} -->' then the whole file in a cpp block)")
    math(EXPR failures "${failures} + 1")
  endif()
endforeach()
string(REGEX MATCHALL "<!-- example: [^ ]+ -->" markers "${guide}")
list(LENGTH markers shown_count)
list(LENGTH examples example_count)
if(NOT shown_count EQUAL example_count)
  message(SEND_ERROR "docs/guide.md has ${shown_count} example markers for ${example_count} files in docs/examples")
endif()
message(STATUS "docs/guide.md shows all ${example_count} examples as they are")
