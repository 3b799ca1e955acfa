# Installing strata like a library: libstrata (shared, with a SONAME, and static), the headers,
# the `strata` CLI with its man page and bash completion, the docs and examples, a CMake package
# (find_package(strata CONFIG) -> strata::strata), pkg-config's strata.pc, and CPack's Debian
# package. Included by the top-level CMakeLists.txt after every target is defined.
#
# In the build tree, `strata` stays an INTERFACE target over the component static libraries
# (src/CMakeLists.txt); the installed libraries are built from the same objects, so nothing is
# compiled twice.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# Dependencies whose headers strata's public headers include: they leak into the package (and are
# found again by find_dependency). Everything else (LMDB, gRPC, protobuf) is private to the shared
# library and needed only by static linking.
set(STRATA_PUBLIC_DEPS Threads::Threads nlohmann_json::nlohmann_json)

# Walk what `strata` links: non-imported static/object libraries built here are components (their
# objects go into libstrata); anything else is an external dependency.
set(_strata_queue "")
get_target_property(_strata_queue strata INTERFACE_LINK_LIBRARIES)
set(STRATA_COMPONENTS "")
set(STRATA_EXTERNAL_DEPS "")
while(_strata_queue)
  list(POP_FRONT _strata_queue _item)
  if(_item MATCHES "^::@" OR _item MATCHES "^\\$<")
    continue()
  endif()
  if(NOT TARGET ${_item})
    list(APPEND STRATA_EXTERNAL_DEPS ${_item})
    continue()
  endif()
  get_target_property(_imported ${_item} IMPORTED)
  get_target_property(_type ${_item} TYPE)
  if(_imported)
    list(APPEND STRATA_EXTERNAL_DEPS ${_item})
  elseif(_type STREQUAL "STATIC_LIBRARY" OR _type STREQUAL "OBJECT_LIBRARY")
    if(NOT _item IN_LIST STRATA_COMPONENTS)
      list(APPEND STRATA_COMPONENTS ${_item})
      get_target_property(_deps ${_item} LINK_LIBRARIES)
      if(_deps)
        list(APPEND _strata_queue ${_deps})
      endif()
    endif()
  elseif(_type STREQUAL "INTERFACE_LIBRARY")
    get_target_property(_deps ${_item} INTERFACE_LINK_LIBRARIES)
    if(_deps)
      list(APPEND _strata_queue ${_deps})
    endif()
  endif()
endwhile()
list(REMOVE_DUPLICATES STRATA_EXTERNAL_DEPS)
set(STRATA_PRIVATE_DEPS ${STRATA_EXTERNAL_DEPS})
list(REMOVE_ITEM STRATA_PRIVATE_DEPS ${STRATA_PUBLIC_DEPS})

set(_strata_objects "")
foreach(_c ${STRATA_COMPONENTS})
  list(APPEND _strata_objects $<TARGET_OBJECTS:${_c}>)
endforeach()

# libstrata.so.MAJOR.MINOR: while the major version is 0, each minor release may break the ABI.
set(STRATA_SOVERSION "${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR}")
add_library(strata_shared SHARED ${_strata_objects})
add_library(strata_static STATIC ${_strata_objects})
foreach(_lib strata_shared strata_static)
  target_include_directories(${_lib} PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_compile_features(${_lib} PUBLIC cxx_std_20)
  target_link_libraries(${_lib} PUBLIC ${STRATA_PUBLIC_DEPS} PRIVATE ${STRATA_PRIVATE_DEPS})
  set_target_properties(${_lib} PROPERTIES OUTPUT_NAME strata
    ARCHIVE_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/lib
    LIBRARY_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/lib)
endforeach()
set_target_properties(strata_shared PROPERTIES EXPORT_NAME strata
  VERSION ${PROJECT_VERSION} SOVERSION ${STRATA_SOVERSION})
set_target_properties(strata_static PROPERTIES EXPORT_NAME strata_static)
# Not built by default in sanitizer trees, where nothing installs them.
if(STRATA_SANITIZE)
  set_target_properties(strata_shared strata_static PROPERTIES EXCLUDE_FROM_ALL ON)
endif()

set(STRATA_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/strata)

install(TARGETS strata_shared EXPORT strata-targets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT strata NAMELINK_COMPONENT strata)
install(TARGETS strata_static EXPORT strata-static-targets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT strata)
# A stripped install (CPack's, cmake --install --strip) strips the shared library and the CLI;
# strip the static archive's debug info too, or it is most of the package's size.
install(CODE "
  if(CMAKE_INSTALL_DO_STRIP)
    execute_process(COMMAND \"${CMAKE_STRIP}\" --strip-debug
      \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/libstrata.a\")
  endif()" COMPONENT strata)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/strata
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT strata)
install(EXPORT strata-targets NAMESPACE strata:: DESTINATION ${STRATA_CMAKE_DIR}
  FILE strata-targets.cmake COMPONENT strata)
install(EXPORT strata-static-targets NAMESPACE strata:: DESTINATION ${STRATA_CMAKE_DIR}
  FILE strata-static-targets.cmake COMPONENT strata)

# The C API library, when its target exists (src/fdb_c/).
if(TARGET fdb_c)
  install(TARGETS fdb_c
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT strata
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT strata
    PUBLIC_HEADER DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/foundationdb COMPONENT strata)
  if(EXISTS ${PROJECT_SOURCE_DIR}/include/foundationdb)
    install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/foundationdb
      DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT strata)
  endif()
endif()

# CMake package.
set(STRATA_PACKAGE_WITH_ETCD ${STRATA_WITH_ETCD})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/strataConfig.cmake.in
  ${PROJECT_BINARY_DIR}/strataConfig.cmake INSTALL_DESTINATION ${STRATA_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/strataConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/strataConfig.cmake ${PROJECT_BINARY_DIR}/strataConfigVersion.cmake
  DESTINATION ${STRATA_CMAKE_DIR} COMPONENT strata)

# pkg-config: prefix computed from the .pc file's own location, so any prefix works.
file(RELATIVE_PATH STRATA_PC_TO_PREFIX
  /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
string(REGEX REPLACE "/$" "" STRATA_PC_TO_PREFIX "${STRATA_PC_TO_PREFIX}")
# Static linking's extra libraries as plain flags: Requires.private would make every
# `pkg-config --cflags strata` need LMDB's and gRPC's .pc files (development packages).
set(STRATA_PC_LIBS_PRIVATE "-llmdb")
if(STRATA_WITH_ETCD)
  string(APPEND STRATA_PC_LIBS_PRIVATE " -lgrpc++ -lgrpc -lgpr -lprotobuf")
endif()
configure_file(${PROJECT_SOURCE_DIR}/cmake/strata.pc.in ${PROJECT_BINARY_DIR}/strata.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/strata.pc
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT strata)

# Documentation.
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/CHANGELOG.md
  DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT strata)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT strata)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/examples/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples
  COMPONENT strata)

# ---- CPack: a Debian package, strata_<version>_amd64.deb --------------------------------------
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME strata)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "strata")
set(CPACK_PACKAGE_CONTACT "strata maintainers <strata@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "Transactional key-value store with FoundationDB semantics, data-model layers and CLI")
set(CPACK_PACKAGE_DESCRIPTION
  "strata is a C++20 library and command-line tool giving applications data-model layers (blob, counter, queue, pub/sub, documents, spatial, vector, intern, directory) over one ordered, transactional key-value store with FoundationDB's semantics and byte formats.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # strata_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://example.invalid/strata")
# Runtime libraries come from dpkg-shlibdeps (libc6, libstdc++6, liblmdb0, libgrpc++1.51, ...).
# nlohmann-json3-dev: strata's public headers include <nlohmann/json_fwd.hpp>.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "nlohmann-json3-dev")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "etcd-server, pkg-config, cmake")
set(CPACK_STRIP_FILES ON)  # debug info stays in the build tree; the package stays small
include(CPack)
