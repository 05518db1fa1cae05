# Checks that docs/server.md shows `wakeful-httpd --help` exactly as the program prints it (in a
# ```text block after the line `<!-- wakeful-httpd --help -->`), so the manual's list of flags
# cannot fall behind the server.
#   cmake -DHTTPD=<wakeful-httpd> -DMANUAL=docs/server.md -P docs/check_server_help.cmake
cmake_minimum_required(VERSION 3.25)
execute_process(COMMAND "${HTTPD}" --help OUTPUT_VARIABLE help RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "wakeful-httpd --help exited with ${status}")
endif()
file(READ "${MANUAL}" manual)
string(FIND "${manual}" "<!-- wakeful-httpd --help -->\n```text\n${help}```\n" at)
if(at EQUAL -1)
  message(FATAL_ERROR "docs/server.md does not show wakeful-httpd --help as the program prints it; "
    "paste this after '<!-- wakeful-httpd --help -->' in a ```text block:\n${help}")
endif()
message(STATUS "docs/server.md shows wakeful-httpd --help as it is")
