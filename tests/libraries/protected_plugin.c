/* A plugin with protected data, dlopen'ed by tests: freezing "everything"
 * must leave it alone so that dlclose can still unmap it. */
#include <sealkit/protected_memory.h>

SEALKIT_PROTECTED(int, plugin_setting) = {7};

int protected_plugin_setting(void) { return plugin_setting.value; }
