/*
 * The floor for the preload rows of `make bench`: a shared library with no
 * code, no constructor and no imports. Loading it with LD_PRELOAD costs what
 * loading any preload costs (ld.so opens, maps and relocates one more
 * object), so "/bin/true with this vs without" is the part of the preload's
 * price that no preload can avoid.
 */
int sealkit_bench_empty_preload_marker;
