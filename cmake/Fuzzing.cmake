# FHIRGW_FUZZ: every library is instrumented for libFuzzer (coverage only: fuzzer-no-link) and
# built with address + undefined-behaviour sanitizers; the fuzz/ executables add the libFuzzer
# main. Assertions stay on (no NDEBUG); -O1 keeps the build short. Needs clang (Debian `clang`
# and `libclang-rt-14-dev`, scripts/setup.sh --with-fuzz); see docs/fuzzing.md.
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "FHIRGW_FUZZ needs clang++ (cmake --preset asan), not ${CMAKE_CXX_COMPILER_ID}")
endif()
add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
  -fno-omit-frame-pointer -gline-tables-only -O1
  -fsanitize-ignorelist=${PROJECT_SOURCE_DIR}/fuzz/ubsan.ignorelist)
add_link_options(-fsanitize=address,undefined)
