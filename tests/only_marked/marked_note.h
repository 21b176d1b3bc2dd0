/*
 * GNU_PROPERTY_MEMORY_SEAL (glibc's opt-in mark for sealing, pr_type 3) in
 * the object that includes this header, when it is compiled with
 * -DMARK_FOR_SEALING; nothing otherwise. Written by hand because binutils
 * before 2.45 has no -z memory-seal (ld warns that it does not know the
 * type, and keeps it), as in tests/programs/startup_marked_target.c.
 *
 *     #include "marked_note.h"      // cc -DMARK_FOR_SEALING ... : marked
 */
#ifdef MARK_FOR_SEALING
__asm__(".pushsection .note.gnu.property,\"a\",@note\n"
        ".balign 8\n.long 4\n.long 8\n.long 5\n.asciz \"GNU\"\n"
        ".balign 8\n.long 3\n.long 0\n"
        ".popsection\n");
#endif
