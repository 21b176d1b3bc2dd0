/* The program every audit fixture is built from, with different linker
 * options (tests/audit/CMakeLists.txt): it calls a libc function through
 * the PLT so that lazy binding has something to bind, and keeps a writable
 * global so that there is data beside RELRO. */
#include <stdio.h>

int counter = 1;

int main(int argc, char **argv) {
    (void)argv;
    counter += argc;
    printf("counter %d\n", counter);
    return 0;
}
