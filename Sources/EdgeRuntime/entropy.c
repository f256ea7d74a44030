/*
 * entropy.c — decodes ENTROPY-compressed sections (formats/edgem.md, "Entropy coding"): an
 * adaptive binary range coder over bytes, 8 decisions per byte down a tree of 255 adaptive
 * probabilities, one tree per byte position modulo 1, 2, 4 or 8. Every input byte is read
 * behind a bounds check and every output byte is written at an index below `size`, so corrupt
 * input ends in a message, never outside the buffers.
 */
#include "internal.h"

#define EDGE_ENTROPY_PROBABILITY_BITS 12
#define EDGE_ENTROPY_ONE (1u << EDGE_ENTROPY_PROBABILITY_BITS)
#define EDGE_ENTROPY_MIN_PROBABILITY 32u
#define EDGE_ENTROPY_TOP (1u << 24)

const char *edge_entropy_decode(const uint8_t *stored, size_t stored_size, uint8_t *output, size_t size)
{
    uint16_t probabilities[8 << 8];
    uint8_t counts[8 << 8];
    uint32_t rates[256];
    if (stored_size < 7) return "entropy-coded data shorter than its 7-byte header";
    unsigned contexts_log2 = stored[0], limit = stored[1];
    if (contexts_log2 > 3) return "entropy-coded data with more than 8 contexts";
    if (limit == 0) return "entropy-coded data with an adaptation limit of 0";
    if (stored[2] != 0) return "entropy-coded data does not start with a zero byte";
    if (stored_size <= SIZE_MAX / EDGE_ENTROPY_MAX_EXPANSION && size > stored_size * EDGE_ENTROPY_MAX_EXPANSION)
        return "entropy-coded data too short for its size";
    for (unsigned i = 0; i < (256u << contexts_log2); i++) {
        probabilities[i] = EDGE_ENTROPY_ONE / 2;
        counts[i] = 0;
    }
    for (uint32_t n = 0; n < 256; n++) rates[n] = 131072u / (2 * n + 3);
    size_t position = 3, mask = ((size_t)1 << contexts_log2) - 1;
    uint32_t code = 0, range = 0xFFFFFFFFu;
    for (int i = 0; i < 4; i++) code = code << 8 | stored[position++];
    for (size_t index = 0; index < size; index++) {
        uint16_t *p = probabilities + ((index & mask) << 8);
        uint8_t *c = counts + ((index & mask) << 8);
        unsigned node = 1;
        while (node < 256) {
            uint32_t probability = p[node], rate = rates[c[node]];
            uint32_t bound = (range >> EDGE_ENTROPY_PROBABILITY_BITS) * probability;
            unsigned bit = code >= bound;
            if (bit) {
                code -= bound;
                range -= bound;
                probability -= (probability * rate) >> 16;
            } else {
                range = bound;
                probability += ((EDGE_ENTROPY_ONE - probability) * rate) >> 16;
            }
            while (range < EDGE_ENTROPY_TOP) {
                if (position >= stored_size) return "entropy-coded data ends early";
                range <<= 8;
                code = code << 8 | stored[position++];
            }
            if (probability < EDGE_ENTROPY_MIN_PROBABILITY) probability = EDGE_ENTROPY_MIN_PROBABILITY;
            if (probability > EDGE_ENTROPY_ONE - EDGE_ENTROPY_MIN_PROBABILITY) probability = EDGE_ENTROPY_ONE - EDGE_ENTROPY_MIN_PROBABILITY;
            p[node] = (uint16_t)probability;
            if (c[node] < limit) c[node]++;
            node = node * 2 + bit;
        }
        output[index] = (uint8_t)node;
    }
    if (position != stored_size) return "entropy-coded data has bytes left over";
    if (code != 0) return "entropy-coded data does not end where its size says";
    return NULL;
}
