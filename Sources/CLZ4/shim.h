// liblz4 (Debian's liblz4-dev) for Swift: edgec compresses weight sections with LZ4 HC.
#include <lz4.h>
#include <lz4hc.h>
