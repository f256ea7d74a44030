/*
 * lz4.c — decodes LZ4-compressed sections: one LZ4 block (lz4_Block_format.md), no frame.
 *
 * A block is a run of sequences: a token (literal count in the high nibble, match length minus
 * 4 in the low one, 15 meaning "more bytes follow, each added, until one below 255"), the
 * literals, a 2-byte little-endian offset back into the output, then the match copied from
 * there (it may overlap what it writes). The last sequence has literals only. The runtime's own
 * decoder instead of liblz4's: it is the only LZ4 the runtime needs, it keeps the device program
 * free of a library, and liblz4 links its compressors too (48 KB of an aarch64 edge-run's 209 KB
 * of code). Every read is behind a bounds check and every write below `size`, so corrupt input
 * ends in a message, never outside the buffers.
 */
#include "internal.h"

/* Adds the bytes of a length that continues past 15 (255 means another follows). */
static bool edge_lz4_length(const uint8_t *stored, size_t stored_size, size_t *at, size_t *length)
{
    uint8_t more;
    do {
        if (*at >= stored_size) return false;
        more = stored[(*at)++];
        /* Any block that fits in memory stays far below this: a length past it is corrupt. */
        if (*length > SIZE_MAX / 2) return false;
        *length += more;
    } while (more == 255);
    return true;
}

const char *edge_lz4_decode(const uint8_t *stored, size_t stored_size, uint8_t *output, size_t size)
{
    size_t in = 0, out = 0;
    if (stored_size == 0) return size == 0 ? NULL : "LZ4 data is empty";
    for (;;) {
        if (in >= stored_size) return "LZ4 data ends before its last sequence";
        uint8_t token = stored[in++];
        size_t literals = token >> 4;
        if (literals == 15 && !edge_lz4_length(stored, stored_size, &in, &literals)) return "LZ4 data ends inside a literal length";
        if (literals > stored_size - in) return "LZ4 literals run past the end of the data";
        if (literals > size - out) return "LZ4 data decompresses to more bytes than the section holds";
        memcpy(output + out, stored + in, literals);
        in += literals;
        out += literals;
        if (in == stored_size) break; /* the last sequence: literals only */
        if (stored_size - in < 2) return "LZ4 data ends inside a match offset";
        size_t offset = (size_t)stored[in] | (size_t)stored[in + 1] << 8;
        in += 2;
        if (offset == 0 || offset > out) return "LZ4 match reaches before the start of the output";
        size_t length = token & 15;
        if (length == 15 && !edge_lz4_length(stored, stored_size, &in, &length)) return "LZ4 data ends inside a match length";
        length += 4;
        if (length > size - out) return "LZ4 data decompresses to more bytes than the section holds";
        const uint8_t *from = output + out - offset;
        if (offset >= length) {
            memcpy(output + out, from, length);
        } else {
            for (size_t i = 0; i < length; i++) output[out + i] = from[i]; /* overlapping: a repeating pattern */
        }
        out += length;
    }
    return out == size ? NULL : "LZ4 data decompresses to fewer bytes than the section holds";
}
