# readers.cmake: hmreaders, the streaming record readers (CSV, NDJSON, JSON
# arrays and records paths, Atera page envelopes) and the SQLite child index.
add_library(hmreaders STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/hm_reader.c
  ${CMAKE_CURRENT_SOURCE_DIR}/hm_csv.c
  ${CMAKE_CURRENT_SOURCE_DIR}/hm_jsonsrc.c
  ${CMAKE_CURRENT_SOURCE_DIR}/hm_srcpath.c
  ${CMAKE_CURRENT_SOURCE_DIR}/hm_childidx.c
  ${CMAKE_CURRENT_SOURCE_DIR}/hm_json.c)
target_include_directories(hmreaders PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(hmreaders PUBLIC hmcommon PkgConfig::CJSON PkgConfig::SQLITE)
if(HM_FUZZ)
  # coverage feedback for the fuzz targets in tests/fuzz
  target_compile_options(hmreaders PRIVATE -fsanitize=fuzzer-no-link)
endif()
