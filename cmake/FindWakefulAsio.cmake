# Finds the Asio wakeful builds against: standalone Asio (Debian's libasio-dev) or Boost.Asio
# (libboost-dev), both header-only. Used by wakeful's own build and, installed next to
# wakefulConfig.cmake, by the projects that find the installed package, so that both look for
# Asio the same way.
#
# Input (cache variables or plain variables set before find_package):
#   WAKEFUL_ASIO              standalone (default) or boost
#   WAKEFUL_ASIO_INCLUDE_DIR  the directory holding asio.hpp (standalone) or boost/asio.hpp
#                             (Boost), e.g. an unpacked libasio-dev's usr/include; empty: the
#                             compiler's default search path
#
# Output:
#   WakefulAsio_FOUND
#   WakefulAsio_FLAVOUR         standalone or boost
#   WakefulAsio_INCLUDE_DIR     where the headers were found
#   WakefulAsio_VERSION         Asio's version as major.minor.patch (Boost.Asio's own version for
#                               Boost, which differs from Boost's: Boost 1.81 has Asio 1.26.0)
#   WakefulAsio_VERSION_NUMBER  the same as Asio writes it (ASIO_VERSION / BOOST_ASIO_VERSION,
#                               e.g. 103002 for 1.30.2)
#   WakefulAsio_BOOST_VERSION   Boost's version (Boost only), e.g. 1.81.0
#   WakefulAsio_DEFINITIONS     the compile definitions every user of the headers needs
#   target wakeful::asio        INTERFACE IMPORTED: the include directory and the definitions

# The oldest Asio wakeful supports (Debian 12's libasio-dev).
set(_wakeful_asio_minimum 1.22.0)

if(NOT DEFINED WAKEFUL_ASIO OR WAKEFUL_ASIO STREQUAL "")
  set(WAKEFUL_ASIO standalone)
endif()
if(NOT WAKEFUL_ASIO MATCHES "^(standalone|boost)$")
  message(FATAL_ERROR "WAKEFUL_ASIO must be 'standalone' or 'boost', not '${WAKEFUL_ASIO}'")
endif()
set(WakefulAsio_FLAVOUR ${WAKEFUL_ASIO})

if(WakefulAsio_FLAVOUR STREQUAL "standalone")
  set(_wakeful_asio_header asio/version.hpp)
  set(_wakeful_asio_macro ASIO_VERSION)
  set(_wakeful_asio_package "Debian's libasio-dev, or scripts/fetch-asio.sh for another release")
  # ASIO_STANDALONE: no Boost; ASIO_NO_DEPRECATED: keep wakeful off interfaces Asio is removing.
  set(WakefulAsio_DEFINITIONS ASIO_STANDALONE ASIO_NO_DEPRECATED)
else()
  set(_wakeful_asio_header boost/asio/version.hpp)
  set(_wakeful_asio_macro BOOST_ASIO_VERSION)
  set(_wakeful_asio_package "Debian's libboost1.81-dev or another libboost-dev")
  # Boost.System has been header-only since Boost 1.69, so no library is linked for the
  # error_code that Boost.Asio uses.
  set(WakefulAsio_DEFINITIONS BOOST_ASIO_NO_DEPRECATED)
endif()

# Each flavour has its own cache entry, so that switching WAKEFUL_ASIO in an existing build
# directory searches again instead of reusing the other flavour's directory.
if(WAKEFUL_ASIO_INCLUDE_DIR)
  # Given explicitly: that directory or nothing, never a fallback to the system's headers.
  unset(WakefulAsio_INCLUDE_DIR)
  if(EXISTS "${WAKEFUL_ASIO_INCLUDE_DIR}/${_wakeful_asio_header}")
    get_filename_component(WakefulAsio_INCLUDE_DIR "${WAKEFUL_ASIO_INCLUDE_DIR}" ABSOLUTE)
  endif()
  set(_wakeful_asio_where "in WAKEFUL_ASIO_INCLUDE_DIR=${WAKEFUL_ASIO_INCLUDE_DIR}")
else()
  find_path(WakefulAsio_${WakefulAsio_FLAVOUR}_INCLUDE_DIR ${_wakeful_asio_header})
  mark_as_advanced(WakefulAsio_${WakefulAsio_FLAVOUR}_INCLUDE_DIR)
  set(WakefulAsio_INCLUDE_DIR ${WakefulAsio_${WakefulAsio_FLAVOUR}_INCLUDE_DIR})
  set(_wakeful_asio_where "in the compiler's include path (or set WAKEFUL_ASIO_INCLUDE_DIR)")
endif()

unset(WakefulAsio_VERSION)
unset(WakefulAsio_VERSION_NUMBER)
unset(WakefulAsio_BOOST_VERSION)
if(WakefulAsio_INCLUDE_DIR)
  file(STRINGS "${WakefulAsio_INCLUDE_DIR}/${_wakeful_asio_header}" _wakeful_asio_line
    REGEX "^#define ${_wakeful_asio_macro} [0-9]+")
  if(_wakeful_asio_line MATCHES "${_wakeful_asio_macro} ([0-9]+)")
    set(WakefulAsio_VERSION_NUMBER ${CMAKE_MATCH_1})
    # Asio writes major * 100000 + minor * 100 + patch.
    math(EXPR _wakeful_major "${WakefulAsio_VERSION_NUMBER} / 100000")
    math(EXPR _wakeful_minor "${WakefulAsio_VERSION_NUMBER} / 100 % 1000")
    math(EXPR _wakeful_patch "${WakefulAsio_VERSION_NUMBER} % 100")
    set(WakefulAsio_VERSION "${_wakeful_major}.${_wakeful_minor}.${_wakeful_patch}")
  endif()
  if(WakefulAsio_FLAVOUR STREQUAL "boost" AND EXISTS "${WakefulAsio_INCLUDE_DIR}/boost/version.hpp")
    file(STRINGS "${WakefulAsio_INCLUDE_DIR}/boost/version.hpp" _wakeful_asio_line REGEX "^#define BOOST_VERSION [0-9]+")
    if(_wakeful_asio_line MATCHES "BOOST_VERSION ([0-9]+)")
      # Boost writes major * 100000 + minor * 100 + patch as well.
      math(EXPR _wakeful_major "${CMAKE_MATCH_1} / 100000")
      math(EXPR _wakeful_minor "${CMAKE_MATCH_1} / 100 % 1000")
      math(EXPR _wakeful_patch "${CMAKE_MATCH_1} % 100")
      set(WakefulAsio_BOOST_VERSION "${_wakeful_major}.${_wakeful_minor}.${_wakeful_patch}")
    endif()
  endif()
endif()

if(NOT WakefulAsio_INCLUDE_DIR)
  # string(CONCAT), not set(): set() with several strings makes a list, which the message would
  # show with semicolons.
  string(CONCAT _wakeful_asio_reason "wakeful needs ${WakefulAsio_FLAVOUR} Asio ${_wakeful_asio_minimum} or newer and found no "
    "${_wakeful_asio_header} ${_wakeful_asio_where} (install ${_wakeful_asio_package})")
elseif(NOT WakefulAsio_VERSION)
  set(_wakeful_asio_reason "${WakefulAsio_INCLUDE_DIR}/${_wakeful_asio_header} defines no ${_wakeful_asio_macro}")
elseif(WakefulAsio_VERSION VERSION_LESS _wakeful_asio_minimum)
  string(CONCAT _wakeful_asio_reason "wakeful needs ${WakefulAsio_FLAVOUR} Asio ${_wakeful_asio_minimum} or newer and found "
    "${WakefulAsio_VERSION} at ${WakefulAsio_INCLUDE_DIR}")
  # find_package_handle_standard_args checks only the version the caller asks for; the minimum
  # is wakeful's own and holds for every caller.
  set(WakefulAsio_INCLUDE_DIR "${WakefulAsio_INCLUDE_DIR}-NOTFOUND")
else()
  set(_wakeful_asio_reason "")
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(WakefulAsio
  REQUIRED_VARS WakefulAsio_INCLUDE_DIR WakefulAsio_VERSION
  VERSION_VAR WakefulAsio_VERSION
  REASON_FAILURE_MESSAGE "${_wakeful_asio_reason}")

if(WakefulAsio_FOUND AND NOT TARGET wakeful::asio)
  add_library(wakeful::asio INTERFACE IMPORTED)
  # SYSTEM: warnings inside Asio's headers are not the consumer's to fix (nor wakeful's).
  set_target_properties(wakeful::asio PROPERTIES
    INTERFACE_SYSTEM_INCLUDE_DIRECTORIES "${WakefulAsio_INCLUDE_DIR}"
    INTERFACE_INCLUDE_DIRECTORIES "${WakefulAsio_INCLUDE_DIR}"
    INTERFACE_COMPILE_DEFINITIONS "${WakefulAsio_DEFINITIONS}")
endif()

unset(_wakeful_asio_header)
unset(_wakeful_asio_macro)
unset(_wakeful_asio_package)
unset(_wakeful_asio_where)
unset(_wakeful_asio_reason)
unset(_wakeful_asio_line)
unset(_wakeful_asio_minimum)
unset(_wakeful_major)
unset(_wakeful_minor)
unset(_wakeful_patch)
