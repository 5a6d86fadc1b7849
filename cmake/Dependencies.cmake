# Every dependency comes from a Debian package through find_package; nothing is downloaded.
find_package(Threads REQUIRED)
find_package(OpenSSL 3 REQUIRED)
find_package(CURL REQUIRED)
# libxml2-dev: the ebRIM writer of xds/ (and the schema checks of its tests).
find_package(LibXml2 REQUIRED)
find_package(Poco 1.11 REQUIRED COMPONENTS
  Foundation Net NetSSL Util Data DataSQLite DataPostgreSQL Crypto Zip XML JSON)

# libpq-dev: the PostgreSQL store (store/src/postgresql) and its tests; CMake's FindPostgreSQL
# gives PostgreSQL::PostgreSQL (found here, at the top, so every folder sees the target).
find_package(PostgreSQL REQUIRED)

# rapidjson-dev's config only sets RAPIDJSON_INCLUDE_DIRS; declare the target once.
find_package(RapidJSON REQUIRED)
if(NOT TARGET RapidJSON::RapidJSON)
  add_library(RapidJSON::RapidJSON INTERFACE IMPORTED)
  set_target_properties(RapidJSON::RapidJSON PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${RAPIDJSON_INCLUDE_DIRS}"
    # std::string overloads; the library defaults lack them.
    INTERFACE_COMPILE_DEFINITIONS "RAPIDJSON_HAS_STDSTRING=1")
endif()

if(FHIRGW_BUILD_TESTS)
  find_package(GTest REQUIRED)
  include(GoogleTest)
endif()
