# cmake -P script: the four places that name the micro-benchmark workloads agree, without
# building anything (the Rust program is not built by the test suite: tokio costs minutes).
#   - WORKLOADS.md's table of workloads: what exists;
#   - rust/src/main.rs's WORKLOADS table: the reference implements every one of them;
#   - main.cpp's dispatch: wakeful-micro implements some of them (`workload == "name"`);
#   - compare.py's WORKLOADS: compares exactly those wakeful-micro implements.
# A list that cannot be found fails the check, so a reorganised source fails loudly here instead
# of passing with nothing compared.
#   cmake -DMICRO_DIR=load/micro -P load/micro/check_workloads.cmake
if(NOT MICRO_DIR)
  get_filename_component(MICRO_DIR "${CMAKE_CURRENT_LIST_DIR}" ABSOLUTE)
endif()

# Sets `out` to the names that `item_regex` captures (group 1) in the part of `file` that
# `block_regex` matches (all of it for "").
function(names_in out file block_regex item_regex)
  file(READ "${MICRO_DIR}/${file}" block)
  if(block_regex)
    string(REGEX MATCH "${block_regex}" block "${block}")
  endif()
  string(REGEX MATCHALL "${item_regex}" items "${block}")
  set(names "")
  foreach(item IN LISTS items)
    string(REGEX REPLACE "${item_regex}" "\\1" name "${item}")
    if(NOT name STREQUAL "all")
      list(APPEND names "${name}")
    endif()
  endforeach()
  list(REMOVE_DUPLICATES names)
  if(names STREQUAL "")
    message(FATAL_ERROR "found no workload names in load/micro/${file}: has it changed shape? "
                        "(then change load/micro/check_workloads.cmake to match)")
  endif()
  set(${out} "${names}" PARENT_SCOPE)
endfunction()

names_in(documented WORKLOADS.md "\n\\| # \\| command \\|[^#]*" "\n\\| [0-9]+ \\| `([a-z_0-9]+)` \\|")
names_in(rust rust/src/main.rs "const WORKLOADS[^=]*= \\[[^]]*\\];" "\\(\"([a-z_0-9]+)\", [a-z_0-9]+::run\\)")
names_in(cpp main.cpp "" "workload == \"([a-z_0-9]+)\"")
names_in(compared compare.py "\nWORKLOADS = \\[[^]]*\\]" "\"([a-z_0-9]+)\"")

# Prints what `list_a` has that `list_b` lacks, and remembers that the check failed.
function(require_within label_a list_a label_b list_b)
  set(missing ${${list_a}})
  list(REMOVE_ITEM missing ${${list_b}})
  if(missing)
    message(SEND_ERROR "${label_a} has workloads that ${label_b} lacks: ${missing}")
  endif()
endfunction()

require_within("WORKLOADS.md" documented "rust/src/main.rs" rust)
require_within("rust/src/main.rs" rust "WORKLOADS.md" documented)
require_within("main.cpp (wakeful-micro)" cpp "WORKLOADS.md" documented)
require_within("main.cpp (wakeful-micro)" cpp "compare.py's WORKLOADS" compared)
require_within("compare.py's WORKLOADS" compared "main.cpp (wakeful-micro)" cpp)

message(STATUS "documented and in rust-micro: ${documented}")
message(STATUS "in wakeful-micro and compared by compare.py: ${cpp}")
