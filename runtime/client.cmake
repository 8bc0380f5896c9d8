# client.cmake -> hmclient: the Gorgias side of hmaprun (HTTP client, rate limit,
# credentials, state store, exactly-once executor, preflight, verify, rollback,
# status, progress). hmaprun links it; hmap-runclient is a thin driver with the
# same sub-commands so the client can be tested on its own.
add_library(hmclient STATIC
  hm_http.c hm_ratelimit.c hm_creds.c hm_state.c hm_exec.c hm_resolve.c hm_preflight.c
  hm_verify.c hm_rollback.c hm_progress.c hm_client.c hm_run.c)
target_include_directories(hmclient PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
# stdlib/hm_psettings.h: the upload limit's default is the planner's
target_include_directories(hmclient PRIVATE ${PROJECT_SOURCE_DIR}/stdlib)
target_link_libraries(hmclient PUBLIC hmcommon PkgConfig::CURL PkgConfig::SQLITE PkgConfig::CJSON)

add_executable(hmap-runclient hm_runclient_main.c)
target_link_libraries(hmap-runclient PRIVATE hmclient)
