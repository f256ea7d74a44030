/* crc32.c — CRC-32 as zlib, PNG and Ethernet compute it (reflected polynomial 0xEDB88320). */
#include "internal.h"

/* The byte-at-a-time table, built at compile time so there is no global mutable state. */
#define EDGE_CRC_STEP(c) (((c) & 1u) ? 0xEDB88320u ^ ((c) >> 1) : (c) >> 1)
#define EDGE_CRC_8(c) EDGE_CRC_STEP(EDGE_CRC_STEP(EDGE_CRC_STEP(EDGE_CRC_STEP( \
                      EDGE_CRC_STEP(EDGE_CRC_STEP(EDGE_CRC_STEP(EDGE_CRC_STEP((uint32_t)(c)))))))))
#define EDGE_CRC_4(n) EDGE_CRC_8(n), EDGE_CRC_8((n) + 1), EDGE_CRC_8((n) + 2), EDGE_CRC_8((n) + 3)
#define EDGE_CRC_16(n) EDGE_CRC_4(n), EDGE_CRC_4((n) + 4), EDGE_CRC_4((n) + 8), EDGE_CRC_4((n) + 12)
#define EDGE_CRC_64(n) EDGE_CRC_16(n), EDGE_CRC_16((n) + 16), EDGE_CRC_16((n) + 32), EDGE_CRC_16((n) + 48)

static const uint32_t edge_crc_table[256] = {
    EDGE_CRC_64(0), EDGE_CRC_64(64), EDGE_CRC_64(128), EDGE_CRC_64(192),
};

/* Large inputs (weights) go eight bytes at a time ("slicing-by-8"); its 8 KiB of tables are
   derived on the stack per call, which costs far less than the bytes it then saves. */
#define EDGE_CRC_SLICING_THRESHOLD 16384

uint32_t edge_crc32_update(uint32_t crc, const void *data, size_t size)
{
    const uint8_t *bytes = data;
    crc = ~crc;
    if (size >= EDGE_CRC_SLICING_THRESHOLD) {
        uint32_t table[8][256];
        for (int i = 0; i < 256; i++) table[0][i] = edge_crc_table[i];
        for (int k = 1; k < 8; k++)
            for (int i = 0; i < 256; i++) table[k][i] = (table[k - 1][i] >> 8) ^ table[0][table[k - 1][i] & 0xFFu];
        for (; size >= 8; size -= 8, bytes += 8) {
            uint32_t low = crc ^ ((uint32_t)bytes[0] | (uint32_t)bytes[1] << 8 | (uint32_t)bytes[2] << 16 | (uint32_t)bytes[3] << 24);
            crc = table[7][low & 0xFFu] ^ table[6][(low >> 8) & 0xFFu] ^ table[5][(low >> 16) & 0xFFu] ^ table[4][low >> 24] ^
                  table[3][bytes[4]] ^ table[2][bytes[5]] ^ table[1][bytes[6]] ^ table[0][bytes[7]];
        }
    }
    for (size_t i = 0; i < size; i++) crc = edge_crc_table[(crc ^ bytes[i]) & 0xFFu] ^ (crc >> 8);
    return ~crc;
}
