// libFuzzer's driver entry point, for the fuzz targets' `main`.
//
// SwiftPM links an executable target `X` with `--defsym main=X_main` on Linux (its "testable executables"
// renaming), which hides the `main` that `-sanitize=fuzzer` would link from libFuzzer. Each target therefore defines
// `X_main` itself and hands over to libFuzzer through this function, which libFuzzer exports (LLVM 12 and later).
#ifndef LIENTHONG_FUZZ_DRIVER_H
#define LIENTHONG_FUZZ_DRIVER_H

#include <stddef.h>
#include <stdint.h>

/// Runs libFuzzer with the command line `argc`/`argv` and the test function `callback`.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
