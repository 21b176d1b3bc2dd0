/*
 * sealkit.h: memory sealing for C programs.
 *
 * What a seal protects against
 * ----------------------------
 * An attacker who can make this process issue a memory-management system
 * call with chosen arguments (a corrupted pointer handed to mprotect, munmap,
 * mremap, mmap(MAP_FIXED) or madvise) can normally turn trusted read-only
 * data or code into something writable, or map new contents over it. Once a
 * range is sealed, the mapping itself is frozen for the life of the process:
 *
 *   - mprotect / pkey_mprotect on it fail with EPERM (even to the same
 *     protection), munmap fails and unmaps nothing, mmap(MAP_FIXED) over it
 *     fails, mremap of it (or onto it) fails, remap_file_pages fails;
 *   - discarding advice (MADV_DONTNEED, MADV_FREE, ...) fails on sealed
 *     anonymous memory that the process cannot write.
 *
 * What a seal does NOT protect against
 * ------------------------------------
 *   - writes to pages that are writable when sealed: seal data read-only
 *     first (mprotect PROT_READ, then seal), or it stays writable forever;
 *   - writes through /proc/self/mem or ptrace (the kernel's FOLL_FORCE path);
 *   - MADV_DONTNEED on a sealed read-only *file* mapping, which reverts the
 *     pages to their bytes on disk (sealkit's startup sealing moves RELRO to
 *     anonymous memory to close this);
 *   - anything after execve(): a new program starts unsealed.
 * There is no unseal. Seal only memory that lives as long as the process.
 *
 * Example: a configuration table nobody can make writable again
 *
 *     static struct config *cfg;
 *     cfg = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
 *                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
 *     load_config(cfg);
 *     mprotect(cfg, 4096, PROT_READ);
 *     if (sealkit_seal(cfg, 4096, 0) != 0)
 *         err(1, "sealkit_seal");           // errno says why
 *     // mprotect(cfg, 4096, PROT_READ | PROT_WRITE) now fails with EPERM.
 *
 * Errors follow the kernel: functions return 0 (or a count/flag) on success
 * and -1 with errno set on failure. No function here throws, allocates
 * memory that the caller must free, or calls exit().
 */
#ifndef SEALKIT_SEALKIT_H
#define SEALKIT_SEALKIT_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Exported from libsealkit.so (which hides everything else). */
#define SEALKIT_API __attribute__((visibility("default")))

#define SEALKIT_VERSION_MAJOR 0
#define SEALKIT_VERSION_MINOR 1
#define SEALKIT_VERSION_PATCH 0

/* The mechanism that enforces seals in this process. */
enum sealkit_backend_kind {
    SEALKIT_BACKEND_NONE = 0,    /* nothing can enforce a seal: seals fail with ENOSYS */
    SEALKIT_BACKEND_KERNEL = 1,  /* Linux mseal(2), 6.10 and newer */
    SEALKIT_BACKEND_SECCOMP = 2, /* a seccomp-BPF policy, for kernels without mseal
                                    (reserved: not in this version; asking for it
                                    gives SEALKIT_BACKEND_NONE and ENOSYS) */
};

/*
 * Seals [addr, addr + len) with exactly mseal(2)'s contract, on the active
 * backend. Checks, in the kernel's order:
 *   flags != 0                          -> EINVAL
 *   addr not page aligned               -> EINVAL
 *   len rounds to 0 or addr+len wraps   -> EINVAL
 *   len == 0                            -> 0, nothing done
 *   any page in the range unmapped      -> ENOMEM, nothing sealed
 *   no backend can enforce a seal       -> ENOSYS
 * len is rounded up to whole pages. Sealing a sealed range again returns 0.
 * Returns 0 or -1 with errno set.
 */
SEALKIT_API int sealkit_seal(void *addr, size_t len, unsigned long flags);

/*
 * OpenBSD's mimmutable(2) contract on the same machinery: addr is rounded
 * down and len up to whole pages, a range that wraps around is EINVAL, and
 * every mapped page in the range is sealed while unmapped holes are skipped
 * (no ENOMEM). Returns 0 or -1 with errno set (ENOSYS: no backend).
 */
SEALKIT_API int sealkit_mimmutable(void *addr, size_t len);

/*
 * Whether every page of [addr, addr + len) is sealed: 1 yes, 0 no (at least
 * one page is not), -1 with errno ENOMEM if part of the range is unmapped,
 * EINVAL for an unaligned addr or a range that wraps. len is rounded up to
 * pages; len == 0 returns 1 (an empty range has no unsealed page).
 * On the kernel backend the answer comes from /proc/self/smaps, so it also
 * sees seals made by others (the loader, the kernel's own system mappings);
 * errno ENOTSUP there means the kernel does not report seals.
 */
SEALKIT_API int sealkit_is_sealed(const void *addr, size_t len);

/*
 * Two policies the kernel does not offer, enforced by seccomp filters on any
 * kernel (over the kernel's own seals where it has mseal); both fail with
 * ENOSYS where seccomp filtering is unavailable, and take mseal's arguments
 * and errno rules (EINVAL: unaligned addr, wrap, flags; ENOMEM: a hole).
 *
 * sealkit_pin: the mapping can never be unmapped, moved or replaced
 * (munmap, mremap, MAP_FIXED, remap_file_pages, SHM_REMAP refused with
 * EPERM) but mprotect still works: the "partial sealing" Chrome asked for.
 *
 * sealkit_seal_strict: sealkit_seal, and every discard madvise (DONTNEED,
 * FREE, REMOVE, ...) on the range is refused too, file-backed or writable,
 * as OpenBSD's mimmutable does. It closes the MADV_DONTNEED revert of a
 * read-only private file mapping that the kernel's seal allows.
 *
 * Like every seccomp filter, these are inherited by fork and kept across
 * execve (see docs/seccomp-backend.md).
 */
SEALKIT_API int sealkit_pin(void *addr, size_t len);
SEALKIT_API int sealkit_seal_strict(void *addr, size_t len, unsigned long flags);

/* The active backend (enum sealkit_backend_kind). Chosen once, on first use,
 * from SEALKIT_BACKEND=auto|kernel|seccomp|none (auto when unset: the kernel
 * when mseal(NULL, 0, 0) returns 0). A forced backend that cannot work here
 * gives SEALKIT_BACKEND_NONE, so seals fail with ENOSYS rather than
 * silently protecting nothing. */
SEALKIT_API int sealkit_backend(void);

/* "kernel", "seccomp" or "none". */
SEALKIT_API const char *sealkit_backend_name(void);

/* Why the active backend was chosen, one sentence for people (for example
 * "auto: the kernel has no mseal(2), so seccomp filters enforce seals"). */
SEALKIT_API const char *sealkit_backend_reason(void);

/* "MAJOR.MINOR.PATCH". */
SEALKIT_API const char *sealkit_version(void);

/*
 * Anonymous memory for data that will be sealed. sealkit_map_private returns
 * len bytes (rounded up to pages) of zeroed PROT_READ|PROT_WRITE private
 * memory, or NULL with errno set. sealkit_protect changes its protection
 * (PROT_* flags of <sys/mman.h>) and sealkit_unmap releases it; both fail
 * with EPERM once the range is sealed, as the kernel does.
 */
SEALKIT_API void *sealkit_map_private(size_t len);
SEALKIT_API int sealkit_protect(void *addr, size_t len, int prot);
SEALKIT_API int sealkit_unmap(void *addr, size_t len);


/*
 * Sealing the loaded ELF images (startup sealing).
 *
 * sealkit_seal_images seals every object the dynamic loader has loaded: the
 * executable, its libraries, ld.so itself and preloaded libraries, each as
 * [first PT_LOAD page, end of the last segment's memory) so the PROT_NONE
 * gaps between segments and the anonymous .bss tail are included, with one
 * seal call per contiguous run. Never the vDSO (unless SEALKIT_SEAL_VDSO),
 * the stack, the heap or TLS. PT_GNU_MUTABLE and PT_OPENBSD_MUTABLE ranges
 * stay unsealed. Objects dlopen'ed without RTLD_NODELETE are skipped: a
 * dlclose must be able to unmap them.
 *
 * Unless SEALKIT_RELRO_FILE is given, each RELRO range is first moved into
 * anonymous memory: the kernel lets MADV_DONTNEED discard a sealed private
 * *file* mapping (reverting a relocated GOT to its bytes on disk) but not a
 * sealed read-only anonymous one.
 *
 * Call it once the program's own initialisation is done; the preload
 * (libsealkit-preload.so, `sealkit run`) calls it for you before main().
 */
enum sealkit_image_flags {
    SEALKIT_SEAL_VDSO = 1u << 0,    /* also seal [vdso] and [vvar] */
    SEALKIT_ONLY_MARKED = 1u << 1,  /* glibc's opt-in rule: GNU_PROPERTY_MEMORY_SEAL */
    SEALKIT_RELRO_FILE = 1u << 2,   /* leave RELRO file-backed (discardable) */
    SEALKIT_SKIP_SEALED = 1u << 3,  /* skip objects sealed by an earlier call */
};

struct sealkit_options {
    unsigned int flags; /* enum sealkit_image_flags */
};

/* Why an object was left unsealed. */
enum sealkit_skip_reason {
    SEALKIT_SKIP_NONE = 0,
    SEALKIT_SKIP_VDSO,          /* the vDSO, not asked for */
    SEALKIT_SKIP_UNLOADABLE,    /* dlopen'ed without RTLD_NODELETE: dlclose must unmap it */
    SEALKIT_SKIP_NOT_MARKED,    /* SEALKIT_ONLY_MARKED and no GNU_PROPERTY_MEMORY_SEAL */
    SEALKIT_SKIP_ALREADY_SEALED,/* sealed by an earlier call */
    SEALKIT_SKIP_NO_SEGMENTS,   /* no PT_LOAD segment */
};

/* Segment kinds of an object (bits of sealkit_image_report.segment_kinds). */
enum sealkit_segment_kind {
    SEALKIT_SEGMENT_TEXT = 1u << 0,    /* PT_LOAD with PF_X */
    SEALKIT_SEGMENT_RODATA = 1u << 1,  /* PT_LOAD, read-only */
    SEALKIT_SEGMENT_RELRO = 1u << 2,   /* PT_GNU_RELRO */
    SEALKIT_SEGMENT_DATA = 1u << 3,    /* PT_LOAD with PF_W, .bss tail included */
    SEALKIT_SEGMENT_GAP = 1u << 4,     /* PROT_NONE holes between segments */
};

struct sealkit_image_report {
    const char *name;            /* path; "" for the main program is replaced by its path */
    unsigned long start, end;    /* the object's span [start, end) */
    unsigned long bytes_sealed;
    unsigned int segment_kinds;  /* enum sealkit_segment_kind */
    unsigned int runs;           /* contiguous runs sealed */
    unsigned int seal_calls;     /* backend seal calls made (== runs unless a run had a hole) */
    unsigned int mutable_ranges; /* PT_GNU_MUTABLE / PT_OPENBSD_MUTABLE ranges left unsealed */
    unsigned long mutable_bytes;
    int relro_moved;             /* 1: RELRO now lives in sealed anonymous memory;
                                  * -1: it stays where it is, because a seccomp
                                  * filter inherited across exec refuses the move
                                  * there, and discarding it is refused instead
                                  * (docs/seccomp-backend.md); 0: not moved */
    int skip_reason;             /* enum sealkit_skip_reason */
    int error;                   /* 0 or the errno of the first failure */
    const char *error_step;      /* "seal", "relro", ... or NULL */
    long long nanoseconds;       /* time spent on this object (moving its RELRO,
                                  * sealing it) when a report was asked for, else 0;
                                  * under the seccomp backend the one filter of the
                                  * whole pass counts in the report's total only */
};

struct sealkit_report {
    unsigned int images;         /* entries in image[] */
    unsigned int images_sealed;
    unsigned int images_failed;
    unsigned long bytes_sealed;
    unsigned int seal_calls;
    long long nanoseconds;       /* time spent in sealkit_seal_images */
    const char *backend;         /* backend name */
    /* Owned by the library, valid until the next sealkit_seal_images call
     * (or for the process lifetime when made by the preload). */
    const struct sealkit_image_report *image;
};

/* Seals the loaded images as described above. options may be NULL (all
 * defaults); report may be NULL. Returns 0 when every object that should be
 * sealed was, or -1 with errno set to the first failure (the report says
 * which object); on ENOSYS nothing could be sealed at all. */
SEALKIT_API int sealkit_seal_images(const struct sealkit_options *options, struct sealkit_report *report);

/* Writes a report as readable text (json == 0) or JSON (json != 0) to fd. */
SEALKIT_API int sealkit_write_report(int fd, const struct sealkit_report *report, int json);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* SEALKIT_SEALKIT_H */
