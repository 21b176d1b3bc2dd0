/*
 * lockdown.h: "seal everything that is safe", then deny write-execute.
 *
 * The "mseal_all" that the mseal debate asked for, done the way that debate
 * concluded it must be: only what is known to be safe is sealed.
 *
 * What it does, in order:
 *   1. seals every loaded image that can never be unloaded (the startup-
 *      sealing rules of sealkit_seal_images: the executable, its DT_NEEDED
 *      closure, preloads, ld.so; never an object a dlclose may unmap), and
 *      the vDSO with SEALKIT_LOCKDOWN_VDSO;
 *   2. freezes protected data (sealkit_freeze_protected_data);
 *   3. denies write-execute memory from then on, for this process and every
 *      child and exec'd program: no new mapping both writable and
 *      executable, no mprotect that adds PROT_EXEC. The kernel's
 *      PR_SET_MDWE where it has it (Linux 6.3+), otherwise a seccomp filter
 *      (which sets no_new_privs: exec'd setuid programs gain no privileges).
 *      Refusals fail with EACCES. Neither can ever be undone.
 * Frozen sealed arenas are already sealed; unfrozen ones are left alone.
 * Stacks, the heap, and objects that may be unloaded are left alone.
 *
 * What breaks: JIT compilers (JavaScript engines, the JVM, LuaJIT, PCRE's
 * JIT, eBPF interpreters in user space), code patching and live patching,
 * debuggers that insert breakpoints, and programs that mprotect their own
 * images after start-up. They fail loudly, with EACCES or EPERM from the
 * call that was refused, never silently.
 *
 * Example:
 *     struct sealkit_lockdown_report report;
 *     if (sealkit_lockdown(SEALKIT_LOCKDOWN_DEFAULT, &report) != 0)
 *         err(1, "lockdown");
 *     sealkit_write_lockdown_report(2, &report, 0);
 */
#ifndef SEALKIT_LOCKDOWN_H
#define SEALKIT_LOCKDOWN_H

#include "sealkit/sealkit.h"

#ifdef __cplusplus
extern "C" {
#endif

enum sealkit_lockdown_flags {
    SEALKIT_LOCKDOWN_IMAGES = 1u << 0,              /* seal every permanent image */
    SEALKIT_LOCKDOWN_VDSO = 1u << 1,                /* ...and the vDSO and [vvar] */
    SEALKIT_LOCKDOWN_PROTECTED_DATA = 1u << 2,      /* freeze protected data */
    SEALKIT_LOCKDOWN_DENY_WRITE_EXECUTE = 1u << 3,  /* MDWE or its seccomp twin */
    SEALKIT_LOCKDOWN_WX_SECCOMP = 1u << 4,          /* use the seccomp filter even with MDWE */
    SEALKIT_LOCKDOWN_DEFAULT = SEALKIT_LOCKDOWN_IMAGES | SEALKIT_LOCKDOWN_PROTECTED_DATA |
                               SEALKIT_LOCKDOWN_DENY_WRITE_EXECUTE,
};

/* How write-execute is denied. */
enum sealkit_write_execute_mechanism {
    SEALKIT_WX_NOT_DENIED = 0,
    SEALKIT_WX_KERNEL_MDWE = 1, /* prctl(PR_SET_MDWE) */
    SEALKIT_WX_SECCOMP = 2,     /* sealkit's seccomp filter */
};

struct sealkit_lockdown_report {
    struct sealkit_report images; /* what was sealed and what was left alone, and why */
    int images_error;             /* 0 or errno of sealing images */
    int protected_data_error;     /* 0 or errno of freezing protected data */
    int write_execute;            /* enum sealkit_write_execute_mechanism */
    int write_execute_error;      /* 0 or errno when it could not be denied */
};

/* Locks the process down as described above. report may be NULL. Every
 * step runs even when an earlier one fails. Returns 0 when every requested
 * step succeeded, or -1 with errno of the first failure. */
SEALKIT_API int sealkit_lockdown(unsigned flags, struct sealkit_lockdown_report *report);

/* Writes the report as text (json == 0) or JSON. */
SEALKIT_API int sealkit_write_lockdown_report(int fd, const struct sealkit_lockdown_report *report, int json);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* SEALKIT_LOCKDOWN_H */
