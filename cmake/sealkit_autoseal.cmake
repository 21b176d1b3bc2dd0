# libsealkit-autoseal.a: startup sealing linked into a program, for programs
# where LD_PRELOAD is ignored (setuid, setgid) or unwanted. One constructor
# (src/autoseal/autoseal.cpp) seals the program's images before main, with
# the same SEALKIT_* options as libsealkit-preload.so.
#
# The archive holds a single object: the constructor and the whole libc-only
# core, combined with `ld -r`, then every symbol made local except the
# anchor `sealkit_autoseal`. So linking it next to libsealkit.so (or
# libsealkit.a) gives no duplicate symbols and does not quietly bind the
# program's own sealkit_* calls to a second copy of the core.
#
# Consumers must name the anchor, or the linker drops the member (nothing
# references it) and the constructor never runs: sealkit::autoseal carries
# -Wl,-u,sealkit_autoseal as an INTERFACE link option, sealkit-autoseal.pc
# puts it in Libs.
add_library(sealkit_autoseal_constructor OBJECT src/autoseal/autoseal.cpp)
target_include_directories(sealkit_autoseal_constructor PRIVATE
  ${PROJECT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR}/src)
target_compile_options(sealkit_autoseal_constructor PRIVATE ${SEALKIT_CORE_FLAGS})

set(SEALKIT_AUTOSEAL_OBJECT ${PROJECT_BINARY_DIR}/autoseal/sealkit-autoseal.o)
add_custom_command(OUTPUT ${SEALKIT_AUTOSEAL_OBJECT}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${PROJECT_BINARY_DIR}/autoseal
  COMMAND ${CMAKE_LINKER} -r -o ${SEALKIT_AUTOSEAL_OBJECT}.combined
          $<TARGET_OBJECTS:sealkit_autoseal_constructor> $<TARGET_OBJECTS:sealkit_objects>
  COMMAND ${CMAKE_OBJCOPY} --keep-global-symbol=sealkit_autoseal
          ${SEALKIT_AUTOSEAL_OBJECT}.combined ${SEALKIT_AUTOSEAL_OBJECT}
  COMMAND ${CMAKE_COMMAND} -E remove ${SEALKIT_AUTOSEAL_OBJECT}.combined
  DEPENDS sealkit_autoseal_constructor sealkit_objects
          $<TARGET_OBJECTS:sealkit_autoseal_constructor> $<TARGET_OBJECTS:sealkit_objects>
  COMMENT "Combining the autoseal constructor and the core into one object"
  COMMAND_EXPAND_LISTS VERBATIM)
set_source_files_properties(${SEALKIT_AUTOSEAL_OBJECT} PROPERTIES EXTERNAL_OBJECT TRUE GENERATED TRUE)

add_library(sealkit_autoseal STATIC ${SEALKIT_AUTOSEAL_OBJECT})
set_target_properties(sealkit_autoseal PROPERTIES
  OUTPUT_NAME sealkit-autoseal EXPORT_NAME autoseal LINKER_LANGUAGE C)
target_link_options(sealkit_autoseal INTERFACE "LINKER:-u,sealkit_autoseal")
add_library(sealkit::autoseal ALIAS sealkit_autoseal)
