# Chooses the Asio wakeful builds against and the readiness backend on top of it.
#
#   WAKEFUL_ASIO               standalone (default) or boost
#   WAKEFUL_ASIO_INCLUDE_DIR   where that Asio's headers are (empty: the compiler's search path)
#   WAKEFUL_IO_BACKEND         auto (default), reactor_op or async_wait
#
# Sets WAKEFUL_IO_BACKEND_RESOLVED (reactor_op or async_wait) and the WakefulAsio_* variables of
# FindWakefulAsio.cmake, and makes the target wakeful::asio visible to the whole build (a
# project that adds wakeful with add_subdirectory links it through wakeful::wakeful).

set(WAKEFUL_ASIO "standalone" CACHE STRING "The Asio to build against: standalone or boost")
set_property(CACHE WAKEFUL_ASIO PROPERTY STRINGS standalone boost)
set(WAKEFUL_ASIO_INCLUDE_DIR "" CACHE PATH
  "Directory holding asio.hpp (standalone) or boost/asio.hpp (boost); empty: the compiler's search path")
set(WAKEFUL_IO_BACKEND "auto" CACHE STRING
  "Readiness backend: reactor_op (Asio's reactor internals), async_wait (public Asio API) or auto")
set_property(CACHE WAKEFUL_IO_BACKEND PROPERTY STRINGS auto reactor_op async_wait)

# The standalone Asio releases whose reactor the reactor_op backend is checked against in CI
# (Debian 12, Debian 13 and sid); `auto` uses reactor_op only for these.
set(WAKEFUL_REACTOR_OP_ASIO_RELEASES 1.22 1.30 1.36)

find_package(WakefulAsio REQUIRED)
if(NOT TARGET wakeful::asio)
  message(FATAL_ERROR "wakeful: FindWakefulAsio.cmake found Asio but made no wakeful::asio target")
endif()
get_target_property(_wakeful_asio_global wakeful::asio IMPORTED_GLOBAL)
if(NOT _wakeful_asio_global)
  set_property(TARGET wakeful::asio PROPERTY IMPORTED_GLOBAL TRUE)
endif()
unset(_wakeful_asio_global)

string(REGEX MATCH "^[0-9]+\\.[0-9]+" _wakeful_asio_release "${WakefulAsio_VERSION}")
if(WAKEFUL_IO_BACKEND STREQUAL "auto")
  if(WakefulAsio_FLAVOUR STREQUAL "standalone" AND _wakeful_asio_release IN_LIST WAKEFUL_REACTOR_OP_ASIO_RELEASES)
    set(WAKEFUL_IO_BACKEND_RESOLVED reactor_op)
  else()
    set(WAKEFUL_IO_BACKEND_RESOLVED async_wait)
  endif()
elseif(WAKEFUL_IO_BACKEND STREQUAL "reactor_op")
  if(WakefulAsio_FLAVOUR STREQUAL "boost")
    message(FATAL_ERROR "wakeful: WAKEFUL_IO_BACKEND=reactor_op is written against standalone Asio's reactor "
      "internals and does not build with Boost.Asio; use async_wait (or auto) with WAKEFUL_ASIO=boost")
  endif()
  if(NOT _wakeful_asio_release IN_LIST WAKEFUL_REACTOR_OP_ASIO_RELEASES)
    list(JOIN WAKEFUL_REACTOR_OP_ASIO_RELEASES ", " _wakeful_asio_checked)
    message(WARNING "wakeful: WAKEFUL_IO_BACKEND=reactor_op uses Asio's reactor internals and is tested only with "
      "Asio ${_wakeful_asio_checked}, not ${WakefulAsio_VERSION}; async_wait is the safe choice")
    unset(_wakeful_asio_checked)
  endif()
  set(WAKEFUL_IO_BACKEND_RESOLVED reactor_op)
elseif(WAKEFUL_IO_BACKEND STREQUAL "async_wait")
  set(WAKEFUL_IO_BACKEND_RESOLVED async_wait)
else()
  message(FATAL_ERROR "WAKEFUL_IO_BACKEND must be auto, reactor_op or async_wait, not '${WAKEFUL_IO_BACKEND}'")
endif()
unset(_wakeful_asio_release)

if(WakefulAsio_FLAVOUR STREQUAL "boost")
  set(_wakeful_asio_what "Boost.Asio ${WakefulAsio_VERSION} (Boost ${WakefulAsio_BOOST_VERSION})")
else()
  set(_wakeful_asio_what "Asio standalone ${WakefulAsio_VERSION}")
endif()
message(STATUS "wakeful: ${_wakeful_asio_what} at ${WakefulAsio_INCLUDE_DIR}, I/O backend ${WAKEFUL_IO_BACKEND_RESOLVED}"
  " (WAKEFUL_IO_BACKEND=${WAKEFUL_IO_BACKEND})")
unset(_wakeful_asio_what)
