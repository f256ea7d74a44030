// libFuzzer's driver, which the Swift fuzz targets call from their @main: SwiftPM links an
// executable's entry point as `main`, so libFuzzer's own main cannot be the one that runs.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
