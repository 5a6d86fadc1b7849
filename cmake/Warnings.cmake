# fhirgw_module(<name> SOURCES ... PUBLIC_DEPS ... PRIVATE_DEPS ...): one library per module
# folder, with its own include/fhirgw/<name>/ so only targets that link the module see its headers.
# Its src/ is a private include folder: the module's private headers are included by their path
# under src/ ("connector_support.hpp", "sqlite/rows.hpp"), never by "../", and no other target
# sees them.
# The fhirgw:: dependencies must match docs/architecture.md (checked by the ctest `layering`).
function(fhirgw_target_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
    -Wno-sign-conversion -Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual)
  # GCC 12's flow analysis reports false -Wrestrict (GCC bug 105651) and -Wmaybe-uninitialized
  # (std::variant and std::optional at -O2 and above, std::regex under sanitizers; GCC bug 105593
  # and relatives) inside libstdc++. -Wuninitialized, which reports definite reads, stays on.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(${target} PRIVATE -Wno-restrict -Wno-maybe-uninitialized)
  endif()
  if(FHIRGW_WARNINGS_AS_ERRORS)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

function(fhirgw_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(fhirgw_${name} ${ARG_SOURCES})
  add_library(fhirgw::${name} ALIAS fhirgw_${name})
  target_include_directories(fhirgw_${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include
    PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(fhirgw_${name} PUBLIC ${ARG_PUBLIC_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  fhirgw_target_warnings(fhirgw_${name})
  # Reserved identifiers (_Upper, __x, _x at global scope) in the product code are reported by
  # clang itself in the sanitizer build rather than by clang-tidy's bugprone-reserved-identifier,
  # which walked every declaration of every included header, the standard library's too: about
  # a fifth of clang-tidy's time for the same finding (docs/performance.md, "Build and CI time").
  if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    target_compile_options(fhirgw_${name} PRIVATE -Wreserved-identifier)
  endif()
endfunction()
