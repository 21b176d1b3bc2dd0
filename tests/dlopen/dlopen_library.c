/* A library the dlopen-policy tests open: built as libdlopen_plain.so and,
 * with -z nodelete (DF_1_NODELETE), as libdlopen_nodelete.so; as
 * libdlopen_choice.so it is built twice, in two directories, each saying
 * which one it is (LIBRARY_TAG). */
#ifndef LIBRARY_TAG
#define LIBRARY_TAG "library"
#endif

const char *dlopen_library_tag(void) { return LIBRARY_TAG; }
