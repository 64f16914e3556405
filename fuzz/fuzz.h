/*
 * fuzz.h - the two entry points libFuzzer calls in every target of fuzz/,
 * declared once.  Each fuzz-*.c defines them; nothing else includes this.
 */
#ifndef FUZZ_FUZZ_H
#define FUZZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* Once, before the first input: argc/argv are libFuzzer's own. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
/* One input; returns 0 (libFuzzer's contract). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif /* FUZZ_FUZZ_H */
