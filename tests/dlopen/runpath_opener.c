/* libdlopen_runpath_opener.so has a DT_RUNPATH (runpath_dir, beside it) and
 * dlopen()s libdlopen_choice.so by bare name: glibc must search its RUNPATH,
 * so the preload must not make itself the caller of that dlopen. Returns
 * the address of the tag function of the library it found (NULL on
 * failure, with dlerror() printed). */
#include <dlfcn.h>
#include <stdio.h>

typedef const char *(*tag_function)(void);

tag_function dlopen_open_choice(void) {
    void *handle = dlopen("libdlopen_choice.so", RTLD_NOW);
    if (handle == NULL) {
        printf("choice: %s\n", dlerror());
        return NULL;
    }
    return (tag_function)dlsym(handle, "dlopen_library_tag");
}
