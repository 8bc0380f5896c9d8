# vm.cmake: the VM, planner and report (library hmvm) and the hmaprun program.
# hmvm needs only hmcommon and the readers: the builtins table is handed to it
# by hmaprun, so the VM can be unit-tested with hand-assembled programs.
add_library(hmvm STATIC
  ${CMAKE_CURRENT_LIST_DIR}/hm_vm.c
  ${CMAKE_CURRENT_LIST_DIR}/hm_wire.c
  ${CMAKE_CURRENT_LIST_DIR}/hm_report.c
  ${CMAKE_CURRENT_LIST_DIR}/hm_sample.c
  ${CMAKE_CURRENT_LIST_DIR}/hm_plan.c)
target_include_directories(hmvm PUBLIC ${CMAKE_CURRENT_LIST_DIR} ${CMAKE_SOURCE_DIR}/stdlib)
target_link_libraries(hmvm PUBLIC hmcommon PkgConfig::SQLITE)

# hmaprun needs the .hbc loader (hm_bc_load in common/hm_bytecode.c, the
# compiler engineer's); until it is there only the libraries are built.
file(STRINGS ${CMAKE_SOURCE_DIR}/common/hm_bytecode.c HM_HAVE_BC_LOAD REGEX "^hm_program \\*hm_bc_load")
if(HM_HAVE_BC_LOAD)
  add_executable(hmaprun ${CMAKE_CURRENT_LIST_DIR}/hmaprun.c ${CMAKE_CURRENT_LIST_DIR}/hm_plan_load.c)
  target_link_libraries(hmaprun PRIVATE hmvm hmcommon)
else()
  message(STATUS "hmaprun: hm_bc_load not written yet, hmaprun not built")
endif()

# The other libraries may not exist yet (or be defined after this fragment,
# like hmclient in client.cmake): link them at the end of the directory.
function(hm_vm_link_optional)
  if(TARGET hmreaders)
    target_link_libraries(hmvm PUBLIC hmreaders)
  endif()
  if(TARGET hmstd AND TARGET hmaprun)
    target_link_libraries(hmaprun PRIVATE hmstd)
  endif()
  # hmaprun-client: every command in one program; hmaprun (no client, no
  # libcurl) runs `plan` and hands the others to it (see hmaprun.c).
  if(TARGET hmclient AND TARGET hmaprun)
    add_executable(hmaprun-client ${CMAKE_CURRENT_SOURCE_DIR}/hmaprun.c ${CMAKE_CURRENT_SOURCE_DIR}/hm_plan_load.c
                                  ${CMAKE_CURRENT_SOURCE_DIR}/hm_plan_runner.c)
    target_compile_definitions(hmaprun-client PRIVATE HM_HAVE_CLIENT)
    target_link_libraries(hmaprun-client PRIVATE hmvm hmcommon hmstd hmclient)
    target_compile_definitions(hmaprun PRIVATE HM_EXEC_CLIENT)
    add_dependencies(hmaprun hmaprun-client)
  endif()
endfunction()
cmake_language(DEFER CALL hm_vm_link_optional)
