// zlib (Debian's zlib1g-dev) for Swift: the host's CRC-32 of .edgem headers and sections. The
// device runtime keeps its own small CRC-32 (Sources/EdgeRuntime/crc32.c), so it links no zlib.
#include <zlib.h>
