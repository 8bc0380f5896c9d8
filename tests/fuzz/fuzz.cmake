# fuzz.cmake: how every libFuzzer harness (tests/fuzz, tests/fuzz_compiler) is
# built and replayed, and the one place naming the libraries they exercise, so a
# renamed library is fixed here only. See docs/fuzzing.md.
#
# With -DHM_FUZZ=ON and clang a harness links libFuzzer's main; otherwise it
# links replay_main.c. Either way ctest replays its seed corpus (and any extra
# seed files) once as fuzz.replay_<name without fuzz_>, so a crash found once stays a test.
set(HM_FUZZ_LIB_READERS hmread_tiny)   # tiny read buffer: refills everywhere
set(HM_FUZZ_LIB_READERS_FULL hmread) # as hmaprun reads: the fast paths
set(HM_FUZZ_LIB_COMPILER hmcompiler)
set(HM_FUZZ_LIB_STD hmstd)
set(HM_FUZZ_LIB_SANDBOX hmsbx)

set(HM_FUZZ_DIR ${CMAKE_CURRENT_LIST_DIR})
if(HM_FUZZ AND CMAKE_C_COMPILER_ID MATCHES "Clang")
  set(HM_FUZZ_LIBFUZZER ON)
else()
  set(HM_FUZZ_LIBFUZZER OFF)
  if(HM_FUZZ)
    message(WARNING "HM_FUZZ needs clang (CC=clang): harnesses built with the replay main")
  endif()
endif()

# hm_fuzz_harness(NAME LIB CORPUS_DIR [SEED_FILES...]): NAME.c in the calling
# folder, linked with LIB.
function(hm_fuzz_harness name lib corpus)
  string(REGEX REPLACE "^fuzz_" "" short ${name})
  if(HM_FUZZ_LIBFUZZER)
    add_executable(${name} ${name}.c)
    target_compile_options(${name} PRIVATE -fsanitize=fuzzer)
    target_link_options(${name} PRIVATE -fsanitize=fuzzer)
    # libFuzzer runs files given as arguments once; -runs=0 runs a folder once
    add_test(NAME fuzz.replay_${short} COMMAND ${name} -runs=0 ${corpus})
    if(ARGN)
      add_test(NAME fuzz.replay_${short}_seeds COMMAND ${name} ${ARGN})
      set_tests_properties(fuzz.replay_${short}_seeds PROPERTIES LABELS fuzz TIMEOUT 300)
    endif()
  else()
    add_executable(${name} ${name}.c ${HM_FUZZ_DIR}/replay_main.c)
    add_test(NAME fuzz.replay_${short} COMMAND ${name} ${corpus} ${ARGN})
  endif()
  target_link_libraries(${name} PRIVATE ${lib})
  target_include_directories(${name} PRIVATE ${HM_FUZZ_DIR})
  set_tests_properties(fuzz.replay_${short} PROPERTIES LABELS fuzz TIMEOUT 300)
endfunction()
