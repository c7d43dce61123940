// libFuzzer's entry point for programs that keep their own `main`
// (https://llvm.org/docs/LibFuzzer.html#using-libfuzzer-as-a-library).
// The fuzzer runtime linked by `-sanitize=fuzzer` defines it.
#ifndef CLIBFUZZER_H
#define CLIBFUZZER_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
