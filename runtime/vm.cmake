# vm.cmake: the VM, planner and report (library hmvm) and the hmaprun program.
# hmvm itself needs only hmcommon: builtins, readers and the client are handed
# to it by hmaprun, so the VM can be unit-tested before those libraries exist.
add_library(hmvm STATIC
  ${CMAKE_CURRENT_LIST_DIR}/hm_vm.c)
target_include_directories(hmvm PUBLIC ${CMAKE_CURRENT_LIST_DIR} ${CMAKE_SOURCE_DIR}/stdlib)
target_link_libraries(hmvm PUBLIC hmcommon)
