/* An audit fixture carrying GNU_PROPERTY_MEMORY_SEAL (pr_type 3), written
 * by hand because binutils before 2.45 has no -z memory-seal (ld warns that
 * it does not know the type, and keeps it): an NT_GNU_PROPERTY_TYPE_0 note
 * named "GNU" whose one property has type 3 and no data. */
#include <stdio.h>

__asm__(".pushsection .note.gnu.property,\"a\",%note\n"
        ".balign 8\n.long 4\n.long 8\n.long 5\n.asciz \"GNU\"\n"
        ".balign 8\n.long 3\n.long 0\n"
        ".popsection\n");

int main(void) {
    puts("marked");
    return 0;
}
