# Compiler settings for wakeful's own targets. Consumers of the installed package get none of
# this: only the C++20 requirement and the Asio definitions travel with wakeful::wakeful.

# C++20 unless the project that adds wakeful (or the command line) asks for a later standard;
# wakeful::wakeful requires cxx_std_20 of its users either way.
if(NOT DEFINED CMAKE_CXX_STANDARD)
  set(CMAKE_CXX_STANDARD 20)
elseif(CMAKE_CXX_STANDARD LESS 20 OR CMAKE_CXX_STANDARD EQUAL 98)
  message(FATAL_ERROR "wakeful needs C++20 or later; CMAKE_CXX_STANDARD is ${CMAKE_CXX_STANDARD}")
endif()
if(NOT DEFINED CMAKE_CXX_STANDARD_REQUIRED)
  set(CMAKE_CXX_STANDARD_REQUIRED ON)
endif()
if(NOT DEFINED CMAKE_CXX_EXTENSIONS)
  set(CMAKE_CXX_EXTENSIONS OFF)
endif()
set(CMAKE_EXPORT_COMPILE_COMMANDS ON)

if(wakeful_is_top_level AND NOT CMAKE_BUILD_TYPE AND NOT CMAKE_CONFIGURATION_TYPES)
  set(CMAKE_BUILD_TYPE Release CACHE STRING "Build type" FORCE)
endif()

# Warnings for code we write (never applied to consumers).
add_library(wakeful_warnings INTERFACE)
target_compile_options(wakeful_warnings INTERFACE -Wall -Wextra -Wpedantic
  $<$<BOOL:${WAKEFUL_WERROR}>:-Werror>)
# g++ 12 before 12.3 (Debian 12 has 12.2) reports -Wrestrict wrongly for plain std::string
# code such as `s = "."` or `"[" + s + "]"` at -O2 and above (GCC bugs 105329 and 105651).
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 12.3)
  target_compile_options(wakeful_warnings INTERFACE -Wno-restrict)
endif()

# WAKEFUL_LINKER=lld (or gold) links with that linker instead of the compiler's default (the
# presets use lld: CI links some 150 programs, and under the sanitizers ld spends minutes on it).
set(WAKEFUL_LINKER "" CACHE STRING "Linker for -fuse-ld= (lld, gold; empty: the compiler's default)")
if(WAKEFUL_LINKER)
  add_link_options(-fuse-ld=${WAKEFUL_LINKER})
endif()

# Options for the programs that exist to be run by the suite (tests, examples, the guide's
# examples): the sanitizer presets compile them at -O0, which halves their compile time (most of
# it is the optimiser on coroutine-heavy test code), while the library and the server keep the
# preset's -O1 so that what is tested is optimised code.
set(WAKEFUL_TEST_CODE_OPTIONS "" CACHE STRING
  "Extra compile options (a ;-list) for tests and examples, after the build type's flags")
add_library(wakeful_test_code INTERFACE)
target_compile_options(wakeful_test_code INTERFACE ${WAKEFUL_TEST_CODE_OPTIONS})

# Sanitizers apply to everything in the build, so that the library, tests and tools agree.
if(WAKEFUL_SANITIZER STREQUAL "address")
  # vptr is left out: UBSan checks a vptr by probing memory through a pipe, which fails (and
  # reports a false "invalid vptr") in the tests that exhaust the descriptor table on purpose.
  add_compile_options(-fsanitize=address,undefined -fno-sanitize=vptr -fno-omit-frame-pointer
    -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
elseif(WAKEFUL_SANITIZER STREQUAL "thread")
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
elseif(NOT WAKEFUL_SANITIZER STREQUAL "")
  message(FATAL_ERROR "WAKEFUL_SANITIZER must be empty, 'address' or 'thread', not '${WAKEFUL_SANITIZER}'")
endif()

# WAKEFUL_UNITY_BUILD compiles a target's sources in a few large units instead of one each: every
# source includes Asio, so most of a unit's time is Asio's headers. The extra Asio flavours of CI
# use it (they test behaviour, not header hygiene, which the main presets keep checking).
option(WAKEFUL_UNITY_BUILD "Compile the library and the server in batches of 8 sources" OFF)
function(wakeful_unity_build target)
  if(WAKEFUL_UNITY_BUILD)
    set_target_properties(${target} PROPERTIES UNITY_BUILD ON UNITY_BUILD_BATCH_SIZE 8)
  endif()
endfunction()
