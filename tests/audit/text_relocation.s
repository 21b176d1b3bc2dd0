# An audit fixture with text relocations (x86-64): code that is not
# position-independent loads the absolute address of a variable. Linked into
# a shared object with -z notext, the linker turns the R_X86_64_64 in .text
# into a dynamic relocation of the code and sets DT_TEXTREL.
    .text
    .globl  counter_address
    .type   counter_address, @function
counter_address:
    movabs  $counter, %rax
    ret
    .size   counter_address, .-counter_address

    .data
counter:
    .quad   0
    .section .note.GNU-stack,"",@progbits
