/*
 * A library for the --only-marked tests (tests/cli/run_only_marked_test.cpp),
 * built twice: libonly_marked_library.so carries GNU_PROPERTY_MEMORY_SEAL,
 * libonly_unmarked_library.so does not. LIBRARY_FUNCTION names the one
 * function, whose text page the program probes.
 */
#include "marked_note.h"

int LIBRARY_FUNCTION(int x) { return x + 1; }
