# readers.cmake: hmreaders, the streaming record readers (CSV, NDJSON, JSON
# arrays and records paths, Atera page envelopes) and the SQLite child index.
set(HM_READERS_SOURCES
  ${CMAKE_CURRENT_SOURCE_DIR}/hm_reader.c
  ${CMAKE_CURRENT_SOURCE_DIR}/hm_csv.c
  ${CMAKE_CURRENT_SOURCE_DIR}/hm_jsonsrc.c
  ${CMAKE_CURRENT_SOURCE_DIR}/hm_srcpath.c
  ${CMAKE_CURRENT_SOURCE_DIR}/hm_childidx.c
  ${CMAKE_CURRENT_SOURCE_DIR}/hm_spill.c
  ${CMAKE_CURRENT_SOURCE_DIR}/hm_json.c)
add_library(hmreaders STATIC ${HM_READERS_SOURCES})
target_include_directories(hmreaders PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(hmreaders PUBLIC hmcommon PkgConfig::CJSON PkgConfig::SQLITE)

# The same code with a 7-byte read buffer and a 4 KiB record limit: the tests
# run the golden cases through it too, so every buffer refill path and the
# record size limit are exercised by small inputs (and positions must not move).
add_library(hmreaders_tiny STATIC EXCLUDE_FROM_ALL ${HM_READERS_SOURCES})
target_include_directories(hmreaders_tiny PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
target_compile_definitions(hmreaders_tiny PRIVATE HM_READ_BUF=7u HM_MAX_RECORD=4096 HM_SPILL_MEM=64u)
target_link_libraries(hmreaders_tiny PUBLIC hmcommon PkgConfig::CJSON PkgConfig::SQLITE)

if(HM_FUZZ)
  # coverage feedback for the fuzz targets in tests/fuzz
  target_compile_options(hmreaders PRIVATE -fsanitize=fuzzer-no-link)
  target_compile_options(hmreaders_tiny PRIVATE -fsanitize=fuzzer-no-link)
endif()
