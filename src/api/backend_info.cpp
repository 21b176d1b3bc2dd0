// The C API's questions about the build and the chosen backend.
#include "backend/backend.h"
#include "sealkit/sealkit.h"

#define SEALKIT_STRINGIFY2(x) #x
#define SEALKIT_STRINGIFY(x) SEALKIT_STRINGIFY2(x)

extern "C" int sealkit_backend(void) { return sealkit::active_backend().kind; }

extern "C" const char *sealkit_backend_name(void) { return sealkit::active_backend().name; }

extern "C" const char *sealkit_backend_reason(void) { return sealkit::active_backend_reason(); }

extern "C" const char *sealkit_version(void) {
    return SEALKIT_STRINGIFY(SEALKIT_VERSION_MAJOR) "." SEALKIT_STRINGIFY(SEALKIT_VERSION_MINOR) "." SEALKIT_STRINGIFY(
        SEALKIT_VERSION_PATCH);
}
