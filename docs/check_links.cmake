# Checks that every relative link in the repository's Markdown (README, docs/, load/) names a file
# or directory that exists, so moving a page cannot leave a dead link behind.
#   cmake -DROOT=<source dir> -P docs/check_links.cmake
cmake_minimum_required(VERSION 3.25)
file(GLOB_RECURSE pages "${ROOT}/README.md" "${ROOT}/docs/*.md" "${ROOT}/load/*.md")
set(dead 0)
set(checked 0)
foreach(page IN LISTS pages)
  file(READ "${page}" text)
  get_filename_component(dir "${page}" DIRECTORY)
  # Brackets and semicolons out first: a CMake list does not split inside [...], and a ';' in the
  # text would split a match.
  string(REPLACE "](" "%link%" text "${text}")
  string(REPLACE "[" "<" text "${text}")
  string(REPLACE "]" ">" text "${text}")
  string(REPLACE ";" "," text "${text}")
  string(REGEX MATCHALL "%link%[^)# ]+" links "${text}")
  foreach(link IN LISTS links)
    string(SUBSTRING "${link}" 6 -1 target)
    # Not a path: http:, mailto:, or C++ in a code block (a lambda's `[](...)`).
    if(target MATCHES "^[a-z]+:" OR target MATCHES "[:<]" OR NOT target MATCHES "[./]")
      continue()
    endif()
    math(EXPR checked "${checked} + 1")
    if(NOT EXISTS "${dir}/${target}")
      file(RELATIVE_PATH shown "${ROOT}" "${page}")
      message(SEND_ERROR "${shown}: dead link to ${target}")
      math(EXPR dead "${dead} + 1")
    endif()
  endforeach()
endforeach()
message(STATUS "${checked} relative links checked, ${dead} dead")
