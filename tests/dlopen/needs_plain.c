/* libdlopen_needs_plain.so: linked with -z nodelete and DT_NEEDED
 * libdlopen_plain.so, and defines no dlopen_library_tag of its own, so
 * dlsym(handle, "dlopen_library_tag") finds the dependency's: the tests see
 * whether the DT_NEEDED closure of a permanent object is sealed too. */
extern const char *dlopen_library_tag(void);

const char *dlopen_needs_plain(void) { return dlopen_library_tag(); }
