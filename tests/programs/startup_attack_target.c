/*
 * startup_attack_target ATTACK: plays the attacker against its own loaded
 * images, to be run with and without libsealkit-preload.so.
 *
 * Each attack is one memory-management system call with chosen arguments,
 * issued with the raw `syscall` instruction (so nothing in libc stands in
 * the way, and a seccomp filter would see exactly this). After a successful
 * attack the process may be unable to go on (its text could be gone), so
 * the verdict is reported with raw write/exit_group calls only.
 *
 * Exit status: 0 the attack was refused and the memory is intact,
 *              1 the attack succeeded,
 *              3 it was refused but the memory changed anyway,
 *              2 usage or setup error.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

struct range {
    uintptr_t start, end;
};

static struct range own_text, own_rodata, own_relro, libc_text;
static unsigned char relro_before[1 << 16];

static long raw_syscall6(long n, long a, long b, long c, long d, long e, long f) {
    long result;
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    register long r9 __asm__("r9") = f;
    __asm__ volatile("syscall"
                     : "=a"(result)
                     : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return result;
}

static void raw_verdict(const char *text, size_t length, int status) {
    raw_syscall6(SYS_write, 1, (long)text, (long)length, 0, 0, 0);
    raw_syscall6(SYS_exit_group, status, 0, 0, 0, 0, 0);
    __builtin_unreachable();
}
/* The verdict text lives in writable .data, not .rodata: some attacks
 * unmap or replace .rodata when they succeed. */
#define VERDICT(text, status)                          \
    do {                                               \
        static char message[] = text "\n";            \
        raw_verdict(message, sizeof message - 1, status); \
    } while (0)

static uintptr_t page_down(uintptr_t v) { return v & ~(uintptr_t)4095; }
static uintptr_t page_up(uintptr_t v) { return (v + 4095) & ~(uintptr_t)4095; }

static int find_ranges(struct dl_phdr_info *info, size_t size, void *unused) {
    (void)size;
    (void)unused;
    int is_main = info->dlpi_name == NULL || info->dlpi_name[0] == '\0';
    int is_libc = info->dlpi_name && strstr(info->dlpi_name, "/libc.so");
    if (!is_main && !is_libc) return 0;
    for (int i = 0; i < info->dlpi_phnum; ++i) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t start = page_down(info->dlpi_addr + ph->p_vaddr);
        uintptr_t end = page_up(info->dlpi_addr + ph->p_vaddr + ph->p_memsz);
        if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X)) {
            if (is_main) own_text = (struct range){start, end};
            else libc_text = (struct range){start, end};
        } else if (is_main && ph->p_type == PT_LOAD && ph->p_flags == PF_R && ph->p_offset != 0) {
            own_rodata = (struct range){start, end};
        } else if (is_main && ph->p_type == PT_GNU_RELRO) {
            own_relro = (struct range){page_down(info->dlpi_addr + ph->p_vaddr),
                                       page_down(info->dlpi_addr + ph->p_vaddr + ph->p_memsz)};
        }
    }
    return 0;
}

/* A global that lives in RELRO: its relocated value differs from the bytes
 * on disk in a PIE, so a reverted RELRO page shows. */
static const char *const relro_pointer = "relocated";

/* No libc call here: once RELRO is reverted, every call through the GOT
 * jumps to an unrelocated address. */
static int relro_intact(void) {
    size_t length = own_relro.end - own_relro.start;
    const volatile unsigned char *now = (const volatile unsigned char *)own_relro.start;
    for (size_t i = 0; i < length; ++i)
        if (now[i] != relro_before[i]) return 0;
    return 1;
}

static void verdict_for(long result, int memory_intact) {
    if (result >= 0 || result < -4095) VERDICT("succeeded", 1);
    if (!memory_intact) VERDICT("refused, but memory changed", 3);
    VERDICT("refused", 0);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s ATTACK\n", argv[0]);
        return 2;
    }
    dl_iterate_phdr(find_ranges, NULL);
    if (!own_text.start || !own_rodata.start || !libc_text.start) {
        fprintf(stderr, "cannot find my own segments\n");
        return 2;
    }
    size_t relro_length = own_relro.end - own_relro.start;
    if (relro_length > sizeof relro_before) return 2;
    if (relro_length) memcpy(relro_before, (const void *)own_relro.start, relro_length);
    const char *attack = argv[1];
    const uintptr_t libc_middle = page_down(libc_text.start + (libc_text.end - libc_text.start) / 2);
    long r;

    if (strcmp(attack, "mprotect-own-text-rwx") == 0) {
        r = raw_syscall6(SYS_mprotect, (long)own_text.start, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, 0, 0, 0);
        verdict_for(r, 1);
    } else if (strcmp(attack, "mprotect-libc-text-rw") == 0) {
        r = raw_syscall6(SYS_mprotect, (long)libc_middle, 4096, PROT_READ | PROT_WRITE, 0, 0, 0);
        verdict_for(r, 1);
    } else if (strcmp(attack, "mprotect-libc-text-libc-wrapper") == 0) {
        /* The same through libc's wrapper, as a corrupted pointer would. */
        int status = mprotect((void *)libc_middle, 4096, PROT_READ | PROT_EXEC | PROT_WRITE);
        verdict_for(status == 0 ? 0 : -errno, 1);
    } else if (strcmp(attack, "munmap-own-rodata") == 0) {
        r = raw_syscall6(SYS_munmap, (long)own_rodata.start, 4096, 0, 0, 0, 0);
        verdict_for(r, 1);
    } else if (strcmp(attack, "map-fixed-over-own-rodata") == 0) {
        r = raw_syscall6(SYS_mmap, (long)own_rodata.start, 4096, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
        verdict_for(r, 1);
    } else if (strcmp(attack, "mremap-libc-text") == 0) {
        r = raw_syscall6(SYS_mremap, (long)libc_middle, 4096, 8192, MREMAP_MAYMOVE, 0, 0);
        verdict_for(r, 1);
    } else if (strcmp(attack, "dontneed-own-got") == 0) {
        if (relro_length == 0) {
            fprintf(stderr, "no RELRO in this build\n");
            return 2;
        }
        r = raw_syscall6(SYS_madvise, (long)own_relro.start, (long)relro_length, MADV_DONTNEED, 0, 0, 0);
        if (r == 0 && !relro_intact()) VERDICT("succeeded: RELRO reverted to the bytes on disk", 1);
        if (r == 0) VERDICT("succeeded (content happened to match)", 1);
        verdict_for(r, relro_intact());
    } else if (strcmp(attack, "print-relro") == 0) {
        printf("%s %#lx %#lx\n", relro_pointer, (unsigned long)own_relro.start, (unsigned long)own_relro.end);
        return 0;
    }
    fprintf(stderr, "unknown attack %s\n", attack);
    return 2;
}
