/* crc32.c — CRC-32 as zlib, PNG and Ethernet compute it (reflected polynomial 0xEDB88320). */
#include "internal.h"

/* Slice-by-one table, built at compile time so there is no global mutable state. */
#define EDGE_CRC_STEP(c) (((c) & 1u) ? 0xEDB88320u ^ ((c) >> 1) : (c) >> 1)
#define EDGE_CRC_8(c) EDGE_CRC_STEP(EDGE_CRC_STEP(EDGE_CRC_STEP(EDGE_CRC_STEP( \
                      EDGE_CRC_STEP(EDGE_CRC_STEP(EDGE_CRC_STEP(EDGE_CRC_STEP((uint32_t)(c)))))))))
#define EDGE_CRC_4(n) EDGE_CRC_8(n), EDGE_CRC_8((n) + 1), EDGE_CRC_8((n) + 2), EDGE_CRC_8((n) + 3)
#define EDGE_CRC_16(n) EDGE_CRC_4(n), EDGE_CRC_4((n) + 4), EDGE_CRC_4((n) + 8), EDGE_CRC_4((n) + 12)
#define EDGE_CRC_64(n) EDGE_CRC_16(n), EDGE_CRC_16((n) + 16), EDGE_CRC_16((n) + 32), EDGE_CRC_16((n) + 48)

static const uint32_t edge_crc_table[256] = {
    EDGE_CRC_64(0), EDGE_CRC_64(64), EDGE_CRC_64(128), EDGE_CRC_64(192),
};

uint32_t edge_crc32_update(uint32_t crc, const void *data, size_t size)
{
    const uint8_t *bytes = data;
    crc = ~crc;
    for (size_t i = 0; i < size; i++) crc = edge_crc_table[(crc ^ bytes[i]) & 0xFFu] ^ (crc >> 8);
    return ~crc;
}
