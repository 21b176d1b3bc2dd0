/* An audit fixture with a segment that is both writable and executable: a
 * section flagged "awx" makes ld put it in an RWX PT_LOAD (ld warns about
 * exactly that). */
#include <stdio.h>

__asm__(".pushsection .wxcode,\"awx\",%progbits\n"
        ".byte 0xc3\n"
        ".popsection\n");

int main(void) {
    puts("writable code");
    return 0;
}
