// Block-sparse products on AVX2 and FMA, and AVX-512; see include/CPerceptronSparse.h.
//
// The multiply keeps a 6x16 tile of the output in twelve registers and, for each entry of the
// block, loads one 16-wide row of the packed B panel and broadcasts the entry's six values:
// twelve fused multiply-adds per entry, as the dense GEMM tile does per k. Panels go outermost:
// each is copied to a contiguous buffer (kb x 16 floats, 50-64 KB at the lesson's shapes) that
// stays in the core's cache while every block walks it. On AVX-512 the tile is 4x64 (or 6x64) in
// 16 (24) of the 32 registers: one entry's 4 broadcasts feed 16 multiply-adds of 16 lanes, and
// blocks of 4 digits keep fewer columns than blocks of 6 (39% of MNIST's against 44%).
#include "CPerceptronSparse.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#include <stdlib.h>
#include <string.h>

__attribute__((target("avx2")))
void perceptron_nonzero_masks_avx2(const float *x, long first, long last, long columns, long words, uint64_t *masks) {
    const __m256 zero = _mm256_setzero_ps();
    for (long r = first; r < last; r++) {
        const float *row = x + r * columns;
        uint64_t *mask = masks + r * words;
        for (long w = 0; w < words; w++) mask[w] = 0;
        long j = 0;
        for (; j + 8 <= columns; j += 8) {
            const unsigned bits = (unsigned)_mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(row + j), zero, _CMP_NEQ_UQ));
            // j is a multiple of 8, so the 8 bits never straddle two words.
            mask[j >> 6] |= (uint64_t)bits << (j & 63);
        }
        for (; j < columns; j++) {
            if (row[j] != 0) mask[j >> 6] |= (uint64_t)1 << (j & 63);
        }
    }
}

__attribute__((target("avx2")))
void perceptron_blocks_of_rows_avx2(const float *x, long rows, long columns, long words, const uint64_t *masks,
                                    long height, long first, long last, long capacity, int32_t *counts,
                                    int32_t *index, float *values) {
    for (long block = first; block < last; block++) {
        const long r0 = block * height;
        const long filled = rows - r0 < height ? rows - r0 : height;
        int32_t *blockIndex = index + block * capacity;
        float *blockValues = values + block * capacity * height;
        long t = 0;
        for (long w = 0; w < words; w++) {
            uint64_t any = 0;
            for (long r = 0; r < filled; r++) any |= masks[(r0 + r) * words + w];
            while (any) {
                const long j = w * 64 + __builtin_ctzll(any);
                blockIndex[t] = (int32_t)j;
                for (long r = 0; r < height; r++) blockValues[t * height + r] = r < filled ? x[(r0 + r) * columns + j] : 0.0f;
                t++;
                any &= any - 1;
            }
        }
        counts[block] = (int32_t)t;
    }
}

/// Bits [bit, bit + height) of a row's mask (which may straddle two words), height <= 8.
static inline uint64_t field_bits(const uint64_t *mask, long words, long bit, long height) {
    const long w = bit >> 6, shift = bit & 63;
    uint64_t field = mask[w] >> shift;
    if (shift > 64 - height && w + 1 < words) field |= mask[w + 1] << (64 - shift);
    return field & (((uint64_t)1 << height) - 1);
}

__attribute__((target("avx2")))
void perceptron_blocks_of_columns_avx2(const float *x, long rows, long columns, long words, const uint64_t *masks,
                                       long height, long first, long last, long capacity, int32_t *counts,
                                       int32_t *index, float *values) {
    for (long block = first; block < last; block++) {
        const long c0 = block * height;
        const long width = columns - c0 < height ? columns - c0 : height;
        int32_t *blockIndex = index + block * capacity;
        float *blockValues = values + block * capacity * height;
        long t = 0;
        // Every row is written to the next slot, which only advances when the row has a
        // non-zero value here: no branch to mispredict on the ~30% of rows kept.
        if (width == 4 && height == 4) {
            for (long i = 0; i < rows; i++) {
                blockIndex[t] = (int32_t)i;
                _mm_storeu_ps(blockValues + t * 4, _mm_loadu_ps(x + i * columns + c0));
                t += field_bits(masks + i * words, words, c0, 4) != 0;
            }
        } else {
            for (long i = 0; i < rows; i++) {
                blockIndex[t] = (int32_t)i;
                const float *row = x + i * columns + c0;
                for (long r = 0; r < height; r++) blockValues[t * height + r] = r < width ? row[r] : 0.0f;
                t += field_bits(masks + i * words, words, c0, height) != 0;
            }
        }
        counts[block] = (int32_t)t;
    }
}

#define ENTRY_ROW(i)                                                 \
    {                                                                \
        const __m256 ai = _mm256_broadcast_ss(a + (i));              \
        c##i##0 = _mm256_fmadd_ps(ai, b0, c##i##0);                  \
        c##i##1 = _mm256_fmadd_ps(ai, b1, c##i##1);                  \
    }

/// tile (6 x 16, row stride ldt) = start + the block's entries times the packed panel, then
/// ReLU, where start is the tile itself when `row` is NULL, else `row` (16 values) in every
/// row: then the tile is only written, never read.
__attribute__((target("avx2,fma")))
static void block_tile(long count, const int32_t *index, const float *a, const float *panel, float *tile, long ldt,
                       int relu, const float *row) {
    __m256 c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
    if (row) {
        c00 = c10 = c20 = c30 = c40 = c50 = _mm256_loadu_ps(row);
        c01 = c11 = c21 = c31 = c41 = c51 = _mm256_loadu_ps(row + 8);
    } else {
        c00 = _mm256_loadu_ps(tile), c01 = _mm256_loadu_ps(tile + 8);
        c10 = _mm256_loadu_ps(tile + ldt), c11 = _mm256_loadu_ps(tile + ldt + 8);
        c20 = _mm256_loadu_ps(tile + 2 * ldt), c21 = _mm256_loadu_ps(tile + 2 * ldt + 8);
        c30 = _mm256_loadu_ps(tile + 3 * ldt), c31 = _mm256_loadu_ps(tile + 3 * ldt + 8);
        c40 = _mm256_loadu_ps(tile + 4 * ldt), c41 = _mm256_loadu_ps(tile + 4 * ldt + 8);
        c50 = _mm256_loadu_ps(tile + 5 * ldt), c51 = _mm256_loadu_ps(tile + 5 * ldt + 8);
    }
    for (long t = 0; t < count; t++) {
        const float *row = panel + (long)index[t] * 16;
        const __m256 b0 = _mm256_load_ps(row), b1 = _mm256_load_ps(row + 8);
        ENTRY_ROW(0) ENTRY_ROW(1) ENTRY_ROW(2) ENTRY_ROW(3) ENTRY_ROW(4) ENTRY_ROW(5)
        a += 6;
    }
    if (relu) {
        // "0 where below 0": -0 and NaN pass, as the dense path's ReLU.
        const __m256 zero = _mm256_setzero_ps();
#define RELU(v) v = _mm256_andnot_ps(_mm256_cmp_ps(v, zero, _CMP_LT_OQ), v);
        RELU(c00) RELU(c01) RELU(c10) RELU(c11) RELU(c20) RELU(c21)
        RELU(c30) RELU(c31) RELU(c40) RELU(c41) RELU(c50) RELU(c51)
#undef RELU
    }
    _mm256_storeu_ps(tile, c00);           _mm256_storeu_ps(tile + 8, c01);
    _mm256_storeu_ps(tile + ldt, c10);     _mm256_storeu_ps(tile + ldt + 8, c11);
    _mm256_storeu_ps(tile + 2 * ldt, c20); _mm256_storeu_ps(tile + 2 * ldt + 8, c21);
    _mm256_storeu_ps(tile + 3 * ldt, c30); _mm256_storeu_ps(tile + 3 * ldt + 8, c31);
    _mm256_storeu_ps(tile + 4 * ldt, c40); _mm256_storeu_ps(tile + 4 * ldt + 8, c41);
    _mm256_storeu_ps(tile + 5 * ldt, c50); _mm256_storeu_ps(tile + 5 * ldt + 8, c51);
}

/// The parts of a block product's panel loop that do not depend on the tile (both drivers below
/// call them with their own panel width, a constant there, so the copies are inlined).

/// Each output row's first value in panel c0 when not accumulating: the bias, or 0.
static inline __attribute__((always_inline))
void panel_start(const float *bias, long c0, long width, const long panelWidth, float *start) {
    for (long j = 0; j < panelWidth; j++) start[j] = bias && j < width ? bias[c0 + j] : 0.0f;
}

/// Rows [0, kb) of b's columns [c0, c0 + width) into pack, contiguous and zero-padded to
/// panelWidth columns.
static inline __attribute__((always_inline))
void pack_panel(const float *b, long kb, long n, long c0, long width, const long panelWidth, float *pack) {
    for (long q = 0; q < kb; q++) {
        const float *source = b + q * n + c0;
        float *target = pack + q * panelWidth;
        if (width == panelWidth) {
            memcpy(target, source, (size_t)panelWidth * sizeof(float));
        } else {
            for (long j = 0; j < panelWidth; j++) target[j] = j < width ? source[j] : 0.0f;
        }
    }
}

/// While the blocks walk a panel, the next one's rows (n floats apart, a stride the hardware
/// prefetchers do not follow) go into L2 a slice per block (`ahead` rows), so that copying it
/// does not wait on memory row after row. `next` is the next panel's first column.
static inline __attribute__((always_inline))
void prefetch_slice(const float *b, long kb, long n, long next, long block, long ahead, const long panelWidth) {
    for (long q = block * ahead, end = q + ahead < kb ? q + ahead : kb; q < end; q++) {
        const char *first = (const char *)(b + q * n + next);
        for (long byte = 0; byte < panelWidth * (long)sizeof(float); byte += 64) _mm_prefetch(first + byte, _MM_HINT_T1);
        _mm_prefetch(first + panelWidth * sizeof(float) - 1, _MM_HINT_T1);
    }
}

/// A partial tile (rows past the end, or columns past n) goes through a buffer of
/// height x panelWidth: filled from the output (when accumulating) or the start row, and
/// written back to its filled rows and columns after the tile ran on it.
static inline __attribute__((always_inline))
void edge_in(const float *target, long n, long height, long filled, long width, int accumulate, const float *start,
             const long panelWidth, float *edge) {
    for (long r = 0; r < height; r++) {
        for (long j = 0; j < panelWidth; j++) {
            edge[r * panelWidth + j] = r < filled && j < width && accumulate ? target[r * n + j] : start[j];
        }
    }
}

static inline __attribute__((always_inline))
void edge_out(const float *edge, long filled, long width, const long panelWidth, float *target, long n) {
    for (long r = 0; r < filled; r++) memcpy(target + r * n, edge + r * panelWidth, (size_t)width * sizeof(float));
}

__attribute__((target("avx2,fma")))
void perceptron_blocks_multiply_avx2(long blocks, long rows, long capacity, const int32_t *counts,
                                     const int32_t *index, const float *values, const float *b, long kb, long n,
                                     long firstPanel, long lastPanel, const float *bias, int accumulate, int relu,
                                     float *pack, float *out) {
    float edge[6 * 16] __attribute__((aligned(32)));
    float start[16] __attribute__((aligned(32)));
    for (long panel = firstPanel; panel < lastPanel; panel++) {
        const long c0 = panel * 16;
        const long width = n - c0 < 16 ? n - c0 : 16;
        panel_start(bias, c0, width, 16, start);
        pack_panel(b, kb, n, c0, width, 16, pack);
        const long ahead = panel + 1 < lastPanel ? (kb + blocks - 1) / blocks : 0;
        for (long block = 0; block < blocks; block++) {
            prefetch_slice(b, kb, n, c0 + 16, block, ahead, 16);
            const long r0 = block * 6;
            const long filled = rows - r0 < 6 ? rows - r0 : 6;
            float *target = out + r0 * n + c0;
            const int32_t *blockIndex = index + block * capacity;
            const float *blockValues = values + block * capacity * 6;
            if (filled == 6 && width == 16) {
                block_tile(counts[block], blockIndex, blockValues, pack, target, n, relu, accumulate ? NULL : start);
                continue;
            }
            edge_in(target, n, 6, filled, width, accumulate, start, 16, edge);
            block_tile(counts[block], blockIndex, blockValues, pack, edge, 16, relu, NULL);
            edge_out(edge, filled, width, 16, target, n);
        }
    }
}

/// tile (H x 64, row stride ldt) = start + the block's entries times the packed 64-wide panel,
/// then ReLU; `row` as in `block_tile`. The same sums as `block_tile`, lane for lane: one fused
/// multiply-add per entry, in entry order, from the same start.
static inline __attribute__((always_inline, target("avx512f")))
void block_tile_avx512(const int H, long count, const int32_t *index, const float *a, const float *panel,
                       float *tile, long ldt, int relu, const float *row) {
    __m512 c[6][4];
    for (int r = 0; r < H; r++) {
        for (int v = 0; v < 4; v++) c[r][v] = _mm512_loadu_ps(row ? row + 16 * v : tile + r * ldt + 16 * v);
    }
    for (long t = 0; t < count; t++) {
        const float *source = panel + (long)index[t] * 64;
        const __m512 b0 = _mm512_load_ps(source), b1 = _mm512_load_ps(source + 16);
        const __m512 b2 = _mm512_load_ps(source + 32), b3 = _mm512_load_ps(source + 48);
        for (int r = 0; r < H; r++) {
            const __m512 ar = _mm512_set1_ps(a[r]);
            c[r][0] = _mm512_fmadd_ps(ar, b0, c[r][0]);
            c[r][1] = _mm512_fmadd_ps(ar, b1, c[r][1]);
            c[r][2] = _mm512_fmadd_ps(ar, b2, c[r][2]);
            c[r][3] = _mm512_fmadd_ps(ar, b3, c[r][3]);
        }
        a += H;
    }
    const __m512 zero = _mm512_setzero_ps();
    for (int r = 0; r < H; r++) {
        for (int v = 0; v < 4; v++) {
            // "0 where below 0": -0 and NaN pass, as the dense path's ReLU.
            const __m512 value = relu ? _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(c[r][v], zero, _CMP_NLT_UQ), c[r][v])
                                      : c[r][v];
            _mm512_storeu_ps(tile + r * ldt + 16 * v, value);
        }
    }
}

__attribute__((target("avx512f")))
static void block_tile_avx512_any(long height, long count, const int32_t *index, const float *a, const float *panel,
                                  float *tile, long ldt, int relu, const float *row) {
    switch (height) {
    case 4: block_tile_avx512(4, count, index, a, panel, tile, ldt, relu, row); break;
    case 6: block_tile_avx512(6, count, index, a, panel, tile, ldt, relu, row); break;
    default: abort();
    }
}

__attribute__((target("avx512f")))
void perceptron_blocks_multiply_avx512(long height, long blocks, long rows, long capacity, const int32_t *counts,
                                       const int32_t *index, const float *values, const float *b, long kb, long n,
                                       long firstPanel, long lastPanel, const float *bias, int accumulate, int relu,
                                       float *pack, float *out) {
    float edge[6 * 64] __attribute__((aligned(64)));
    float start[64] __attribute__((aligned(64)));
    for (long panel = firstPanel; panel < lastPanel; panel++) {
        const long c0 = panel * 64;
        const long width = n - c0 < 64 ? n - c0 : 64;
        panel_start(bias, c0, width, 64, start);
        pack_panel(b, kb, n, c0, width, 64, pack);
        const long ahead = panel + 1 < lastPanel ? (kb + blocks - 1) / blocks : 0;
        for (long block = 0; block < blocks; block++) {
            prefetch_slice(b, kb, n, c0 + 64, block, ahead, 64);
            const long r0 = block * height;
            const long filled = rows - r0 < height ? rows - r0 : height;
            float *target = out + r0 * n + c0;
            const int32_t *blockIndex = index + block * capacity;
            const float *blockValues = values + block * capacity * height;
            if (filled == height && width == 64) {
                block_tile_avx512_any(height, counts[block], blockIndex, blockValues, pack, target, n, relu,
                                      accumulate ? NULL : start);
                continue;
            }
            edge_in(target, n, height, filled, width, accumulate, start, 64, edge);
            block_tile_avx512_any(height, counts[block], blockIndex, blockValues, pack, edge, 64, relu, NULL);
            edge_out(edge, filled, width, 64, target, n);
        }
    }
}

/// Columns [c, c + 8 * vectors) of one output row, from the row's non-zero entries.
static inline __attribute__((always_inline, target("avx2,fma")))
void direct_slice(const int vectors, long c, long count, const int32_t *index, const float *row, const float *b,
                  long n, const float *bias, int relu, float *out) {
    __m256 s[8];
    for (int v = 0; v < vectors; v++) s[v] = bias ? _mm256_loadu_ps(bias + c + 8 * v) : _mm256_setzero_ps();
    for (long t = 0; t < count; t++) {
        const long k = index[t];
        const __m256 x = _mm256_broadcast_ss(row + k);
        const float *source = b + k * n + c;
        for (int v = 0; v < vectors; v++) s[v] = _mm256_fmadd_ps(x, _mm256_loadu_ps(source + 8 * v), s[v]);
    }
    const __m256 zero = _mm256_setzero_ps();
    for (int v = 0; v < vectors; v++) {
        if (relu) s[v] = _mm256_andnot_ps(_mm256_cmp_ps(s[v], zero, _CMP_LT_OQ), s[v]);
        _mm256_storeu_ps(out + c + 8 * v, s[v]);
    }
}

/// Columns [c, c + 16 * vectors) of one output row on AVX-512: the same sums as
/// `direct_slice`, lane for lane (bias first, then one fused multiply-add per non-zero entry in
/// order), over wider slices, so a row of b is walked in fewer passes.
static inline __attribute__((always_inline, target("avx512f")))
void direct_slice_avx512(const int vectors, long c, long count, const int32_t *index, const float *row,
                         const float *b, long n, const float *bias, int relu, float *out) {
    __m512 s[16];
    for (int v = 0; v < vectors; v++) s[v] = bias ? _mm512_loadu_ps(bias + c + 16 * v) : _mm512_setzero_ps();
    for (long t = 0; t < count; t++) {
        const long k = index[t];
        const __m512 x = _mm512_set1_ps(row[k]);
        const float *source = b + k * n + c;
        for (int v = 0; v < vectors; v++) s[v] = _mm512_fmadd_ps(x, _mm512_loadu_ps(source + 16 * v), s[v]);
    }
    const __m512 zero = _mm512_setzero_ps();
    for (int v = 0; v < vectors; v++) {
        if (relu) s[v] = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(s[v], zero, _CMP_NLT_UQ), s[v]);
        _mm512_storeu_ps(out + c + 16 * v, s[v]);
    }
}

/// The non-zero columns of `row`, in order, into `index`; returns how many.
static inline __attribute__((always_inline, target("avx2")))
long nonzero_index(const float *row, long columns, int32_t *index) {
    const __m256 zero = _mm256_setzero_ps();
    long count = 0, j = 0;
    for (; j + 8 <= columns; j += 8) {
        unsigned mask = (unsigned)_mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(row + j), zero, _CMP_NEQ_UQ));
        while (mask) {
            index[count++] = (int32_t)(j + __builtin_ctz(mask));
            mask &= mask - 1;
        }
    }
    for (; j < columns; j++) {
        if (row[j] != 0) index[count++] = (int32_t)j;
    }
    return count;
}

/// The last columns [c, n) one at a time, as the vector slices sum each lane.
static inline __attribute__((always_inline, target("fma")))
void direct_columns(long c, long n, long count, const int32_t *index, const float *row, const float *b,
                    const float *bias, int relu, float *out) {
    for (; c < n; c++) {
        float s = bias ? bias[c] : 0.0f;
        for (long t = 0; t < count; t++) s = __builtin_fmaf(row[index[t]], b[(long)index[t] * n + c], s);
        if (relu && s < 0) s = 0;
        out[c] = s;
    }
}

__attribute__((target("avx512f,avx2,fma")))
void perceptron_sparse_rows_direct_avx512(const float *x, long rows, long columns, const float *b, long n,
                                          const float *bias, int relu, int32_t *scratch, float *out) {
    for (long r = 0; r < rows; r++) {
        const float *row = x + r * columns;
        float *target = out + r * n;
        const long count = nonzero_index(row, columns, scratch);
        long c = 0;
        for (; c + 256 <= n; c += 256) direct_slice_avx512(16, c, count, scratch, row, b, n, bias, relu, target);
        for (; c + 16 <= n; c += 16) direct_slice_avx512(1, c, count, scratch, row, b, n, bias, relu, target);
        for (; c + 8 <= n; c += 8) direct_slice(1, c, count, scratch, row, b, n, bias, relu, target);
        direct_columns(c, n, count, scratch, row, b, bias, relu, target);
    }
}

__attribute__((target("avx2")))
long perceptron_count_nonzero_avx2(const float *x, long count) {
    const __m256 zero = _mm256_setzero_ps();
    long total = 0, i = 0;
    for (; i + 8 <= count; i += 8)
        total += __builtin_popcount((unsigned)_mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(x + i), zero, _CMP_NEQ_UQ)));
    for (; i < count; i++) total += x[i] != 0;
    return total;
}

__attribute__((target("avx2,fma")))
void perceptron_sparse_rows_direct_avx2(const float *x, long rows, long columns, const float *b, long n,
                                        const float *bias, int relu, int32_t *scratch, float *out) {
    for (long r = 0; r < rows; r++) {
        const float *row = x + r * columns;
        float *target = out + r * n;
        const long count = nonzero_index(row, columns, scratch);
        long c = 0;
        for (; c + 64 <= n; c += 64) direct_slice(8, c, count, scratch, row, b, n, bias, relu, target);
        for (; c + 8 <= n; c += 8) direct_slice(1, c, count, scratch, row, b, n, bias, relu, target);
        direct_columns(c, n, count, scratch, row, b, bias, relu, target);
    }
}

#else
#include <stdlib.h>

// No AVX2 here: perceptron_vector_units() reports none, so these are never called.
void perceptron_nonzero_masks_avx2(const float *x, long first, long last, long columns, long words, uint64_t *masks) {
    (void)x; (void)first; (void)last; (void)columns; (void)words; (void)masks;
    abort();
}
void perceptron_blocks_of_rows_avx2(const float *x, long rows, long columns, long words, const uint64_t *masks,
                                    long height, long first, long last, long capacity, int32_t *counts,
                                    int32_t *index, float *values) {
    (void)x; (void)rows; (void)columns; (void)words; (void)masks; (void)height; (void)first; (void)last; (void)capacity;
    (void)counts; (void)index; (void)values;
    abort();
}
void perceptron_blocks_of_columns_avx2(const float *x, long rows, long columns, long words, const uint64_t *masks,
                                       long height, long first, long last, long capacity, int32_t *counts,
                                       int32_t *index, float *values) {
    (void)x; (void)rows; (void)columns; (void)words; (void)masks; (void)height; (void)first; (void)last; (void)capacity;
    (void)counts; (void)index; (void)values;
    abort();
}
long perceptron_count_nonzero_avx2(const float *x, long count) {
    (void)x; (void)count;
    abort();
}
void perceptron_sparse_rows_direct_avx512(const float *x, long rows, long columns, const float *b, long n,
                                          const float *bias, int relu, int32_t *scratch, float *out) {
    (void)x; (void)rows; (void)columns; (void)b; (void)n; (void)bias; (void)relu; (void)scratch; (void)out;
    abort();
}
void perceptron_sparse_rows_direct_avx2(const float *x, long rows, long columns, const float *b, long n,
                                        const float *bias, int relu, int32_t *scratch, float *out) {
    (void)x; (void)rows; (void)columns; (void)b; (void)n; (void)bias; (void)relu; (void)scratch; (void)out;
    abort();
}
void perceptron_blocks_multiply_avx2(long blocks, long rows, long capacity, const int32_t *counts,
                                     const int32_t *index, const float *values, const float *b, long kb, long n,
                                     long firstPanel, long lastPanel, const float *bias, int accumulate, int relu,
                                     float *pack, float *out) {
    (void)blocks; (void)rows; (void)capacity; (void)counts; (void)index; (void)values; (void)b; (void)kb; (void)n;
    (void)firstPanel; (void)lastPanel; (void)bias; (void)accumulate; (void)relu; (void)pack; (void)out;
    abort();
}
void perceptron_blocks_multiply_avx512(long height, long blocks, long rows, long capacity, const int32_t *counts,
                                       const int32_t *index, const float *values, const float *b, long kb, long n,
                                       long firstPanel, long lastPanel, const float *bias, int accumulate, int relu,
                                       float *pack, float *out) {
    (void)height; (void)blocks; (void)rows; (void)capacity; (void)counts; (void)index; (void)values; (void)b; (void)kb;
    (void)n; (void)firstPanel; (void)lastPanel; (void)bias; (void)accumulate; (void)relu; (void)pack; (void)out;
    abort();
}
#endif
