# libsealkit: the core library. It is written in C++ but must depend on libc
# alone, so that a C program linking it (or LD_PRELOADing sealkit) pulls in
# no libstdc++: no exceptions, no RTTI, no thread-safe-static guards, and it
# is linked by the C driver with --no-undefined so any libstdc++ symbol is a
# link error rather than a surprise at run time.
set(SEALKIT_CORE_SOURCES
  src/system/syscalls.cpp
  src/system/process_calls.cpp
  src/system/switch_variable.cpp
  src/procfs/mappings_parser.cpp
  src/procfs/mappings_reader.cpp
  src/procfs/mappings_stream.cpp
  src/procfs/seal_query.cpp
  src/elf/program_headers.cpp
  src/elf/dynamic_section.cpp
  src/elf/gnu_properties.cpp
  src/backend/kernel_backend.cpp
  src/backend/no_backend.cpp
  src/backend/backend_selection.cpp
  src/api/seal_arguments.cpp
  src/api/seal_api.cpp
  src/api/backend_info.cpp
  src/api/memory_api.cpp
  src/api/images_api.cpp
  src/startup/image_enumeration.cpp
  src/startup/startup_set.cpp
  src/startup/relro_relocation.cpp
  src/startup/image_sealer.cpp
  src/startup/report_file.cpp
  src/startup/report_writer.cpp
  src/startup/startup_options.cpp
  src/startup/startup_sealing.cpp
  src/startup/elf_notes.cpp
  src/protected/protected_registry.cpp
  src/api/protected_api.cpp
  src/arena/sealed_arena.cpp
  src/seccomp/write_execute_filter.cpp
  src/seccomp/mapping_syscalls.cpp
  src/seccomp/bpf_program.cpp
  src/seccomp/seal_filter_compiler.cpp
  src/seccomp/range_set.cpp
  src/seccomp/seal_enforcer.cpp
  src/seccomp/fixed_address_image.cpp
  src/seccomp/image_marker.cpp
  src/seccomp/exec_guard.cpp
  src/seccomp/exec_guard_process.cpp
  src/seccomp/process_rules.cpp
  src/backend/seccomp_backend.cpp
  src/lockdown/lockdown.cpp
)
set(SEALKIT_CORE_FLAGS -fno-exceptions -fno-rtti -fno-threadsafe-statics
    -fvisibility=hidden -fvisibility-inlines-hidden -ffunction-sections -fdata-sections)

add_library(sealkit_objects OBJECT ${SEALKIT_CORE_SOURCES})
target_include_directories(sealkit_objects
  PUBLIC $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
  PRIVATE ${PROJECT_SOURCE_DIR}/src)
target_compile_options(sealkit_objects PRIVATE ${SEALKIT_CORE_FLAGS})

# The shared library: only the sealkit_* C symbols are exported.
add_library(sealkit SHARED $<TARGET_OBJECTS:sealkit_objects>)
set_target_properties(sealkit PROPERTIES
  LINKER_LANGUAGE C
  VERSION ${PROJECT_VERSION} SOVERSION ${PROJECT_VERSION_MAJOR}
  LINK_DEPENDS ${PROJECT_SOURCE_DIR}/src/api/libsealkit.map)
target_link_options(sealkit PRIVATE
  -Wl,--version-script=${PROJECT_SOURCE_DIR}/src/api/libsealkit.map
  -Wl,--no-undefined -Wl,-z,now -Wl,-z,relro)
target_include_directories(sealkit PUBLIC
  $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include> $<INSTALL_INTERFACE:include>)
add_library(sealkit::sealkit ALIAS sealkit)

add_library(sealkit_static STATIC $<TARGET_OBJECTS:sealkit_objects>)
set_target_properties(sealkit_static PROPERTIES OUTPUT_NAME sealkit LINKER_LANGUAGE C)
target_include_directories(sealkit_static PUBLIC
  $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include> $<INSTALL_INTERFACE:include>)

# For the CLI and the tests: the whole core, internal headers included.
add_library(sealkit_internal STATIC $<TARGET_OBJECTS:sealkit_objects>)
target_include_directories(sealkit_internal PUBLIC
  ${PROJECT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR}/src)

install(TARGETS sealkit sealkit_static EXPORT sealkit-targets  # exported by cmake/sealkit_package.cmake
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY include/sealkit DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

# libsealkit-preload.so: startup sealing for unmodified programs. The core is
# linked in (not libsealkit.so as a dependency), and only __libc_start_main
# and the dlopen policy's dlopen, dlmopen and dlclose are exported, so the
# preload adds no sealkit_* symbols to a program nor changes which
# sealkit_* a program that links libsealkit.so itself would get.
add_library(sealkit_preload SHARED src/preload/preload.cpp
  src/preload/dlopen_interposer.cpp src/preload/dlopen_policy.cpp src/preload/dlopen_catch_up.cpp
  src/preload/dlopen_search.cpp src/preload/late_report.cpp $<TARGET_OBJECTS:sealkit_objects>)
set_target_properties(sealkit_preload PROPERTIES
  OUTPUT_NAME sealkit-preload LINKER_LANGUAGE C
  LINK_DEPENDS ${PROJECT_SOURCE_DIR}/src/preload/libsealkit-preload.map)
target_include_directories(sealkit_preload PRIVATE ${PROJECT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR}/src)
target_compile_options(sealkit_preload PRIVATE ${SEALKIT_CORE_FLAGS})
# --gc-sections drops the parts of the core start-up sealing never calls, so
# every program started with the preload maps and faults in less.
target_link_options(sealkit_preload PRIVATE -Wl,--gc-sections
  -Wl,--version-script=${PROJECT_SOURCE_DIR}/src/preload/libsealkit-preload.map
  -Wl,--no-undefined -Wl,-z,now -Wl,-z,relro)
target_link_libraries(sealkit_preload PRIVATE ${CMAKE_DL_LIBS})
install(TARGETS sealkit_preload LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
