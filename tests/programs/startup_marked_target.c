/*
 * startup_marked_target: an executable that carries GNU_PROPERTY_MEMORY_SEAL
 * (glibc's opt-in mark, pr_type 3, written here by hand because binutils
 * before 2.45 has no -z memory-seal; ld warns that it does not know the
 * type, and keeps it). Prints whether its own text and libc's text are
 * sealed: under SEALKIT_ONLY_MARKED=1 only the marked executable may be.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <sealkit/sealkit.h>
#include <stdio.h>

__asm__(".pushsection .note.gnu.property,\"a\",@note\n"
        ".balign 8\n.long 4\n.long 8\n.long 5\n.asciz \"GNU\"\n"
        ".balign 8\n.long 3\n.long 0\n"
        ".popsection\n");

int main(void) {
    void *own = (void *)((unsigned long)(void *)main & ~4095UL);
    void *libc = (void *)((unsigned long)dlsym(RTLD_DEFAULT, "printf") & ~4095UL);
    printf("own-text-sealed %d\n", sealkit_is_sealed(own, 4096));
    printf("libc-text-sealed %d\n", sealkit_is_sealed(libc, 4096));
    return 0;
}
