// SmallGEMM's loops on AVX2; see include/CPerceptronSmallGEMM.h.
//
// The rows of A are either packed (unfolded windows) or windows read in place from the
// images: a row's start and its values' offsets (perceptron_patch_rows) say where, and the
// sums are the same either way.
//
// Weight gradient: all the weight rows of a block (up to 12) are summed in one pass over the
// tile, each in its own register, so the tile's gradient is read once per block rather than
// once per four rows. Forward: 32 output columns of a row in four 8-lane registers.
#pragma STDC FP_CONTRACT OFF

#include "CPerceptronSmallGEMM.h"

/// Walks the rows of a perceptron_patch_rows in order without a division per row.
typedef struct {
    const float *image, *line;
    long cell, column;
} PatchCursor;

static inline PatchCursor patch_cursor(const perceptron_patch_rows *a, long p) {
    const long cell = p % a->positions, column = p % a->outputWidth;
    const float *image = a->base + p / a->positions * a->imageStride;
    const PatchCursor cursor = {image, image + cell / a->outputWidth * a->rowStride, cell, column};
    return cursor;
}

static inline const float *patch_start(const perceptron_patch_rows *a, const PatchCursor *cursor) {
    return cursor->line + cursor->column * a->columnStride;
}

static inline void patch_advance(const perceptron_patch_rows *a, PatchCursor *cursor) {
    cursor->cell++;
    cursor->column++;
    if (cursor->cell == a->positions) {
        cursor->cell = 0;
        cursor->column = 0;
        cursor->image += a->imageStride;
        cursor->line = cursor->image;
    } else if (cursor->column == a->outputWidth) {
        cursor->column = 0;
        cursor->line += a->rowStride;
    }
}

/// offsets[q] = where value q of a row lies from the row's start, for q < k.
static inline void patch_offsets(const perceptron_patch_rows *a, long k, long *offsets) {
    for (long q = 0; q < k; q++) offsets[q] = q / a->run * a->lineStride + q % a->run;
}

void perceptron_patch_row_starts(perceptron_patch_rows a, long first, long count, const float **starts) {
    PatchCursor cursor = patch_cursor(&a, first);
    for (long t = 0; t < count; t++) {
        starts[t] = patch_start(&a, &cursor);
        patch_advance(&a, &cursor);
    }
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

/// `rows` weight rows from q onwards; `rows` is a constant after inlining, so the sums stay in
/// registers.
static inline __attribute__((always_inline, target("avx2")))
void weight_sums_block(const int rows, long count, const float *const *starts, const long *offsets, const float *g,
                       float *out, long n) {
    __m256 s[12];
    long offset[12];
    for (int i = 0; i < rows; i++) {
        s[i] = _mm256_setzero_ps();
        offset[i] = offsets[i];
    }
    for (long t = 0; t < count; t++) {
        const __m256 gt = _mm256_loadu_ps(g + t * 8);
        const float *row = starts[t];
        for (int i = 0; i < rows; i++) s[i] = _mm256_add_ps(s[i], _mm256_mul_ps(_mm256_set1_ps(row[offset[i]]), gt));
    }
    for (int i = 0; i < rows; i++) _mm256_storeu_ps(out + i * n, _mm256_add_ps(_mm256_loadu_ps(out + i * n), s[i]));
}

__attribute__((target("avx2")))
void perceptron_small_weight_sums_avx2(long count, long k, const float *const *rows, const long *offsets,
                                       const float *g, float *out, long n) {
    // Blocks of equal size, at most 12 rows (12 sums, the tile's row and a broadcast take 14 of
    // the 16 registers): K = 9 goes in one block, so the tile is read once.
    const long blocks = (k + 11) / 12;
    long q = 0;
    for (long block = 0; block < blocks; block++) {
        const long end = k * (block + 1) / blocks;
        const long *column = offsets + q;
        float *target = out + q * n;
        switch (end - q) {
        case 1: weight_sums_block(1, count, rows, column, g, target, n); break;
        case 2: weight_sums_block(2, count, rows, column, g, target, n); break;
        case 3: weight_sums_block(3, count, rows, column, g, target, n); break;
        case 4: weight_sums_block(4, count, rows, column, g, target, n); break;
        case 5: weight_sums_block(5, count, rows, column, g, target, n); break;
        case 6: weight_sums_block(6, count, rows, column, g, target, n); break;
        case 7: weight_sums_block(7, count, rows, column, g, target, n); break;
        case 8: weight_sums_block(8, count, rows, column, g, target, n); break;
        case 9: weight_sums_block(9, count, rows, column, g, target, n); break;
        case 10: weight_sums_block(10, count, rows, column, g, target, n); break;
        case 11: weight_sums_block(11, count, rows, column, g, target, n); break;
        default: weight_sums_block(12, count, rows, column, g, target, n); break;
        }
        q = end;
    }
}

/// One row's 32 (or fewer: `vectors` of 8) output columns.
static inline __attribute__((always_inline, target("avx2")))
void multiply_row(const int vectors, long k, const float *row, const long *offsets, const float *b, long n,
                  const __m256 *bias0, int relu, float *out) {
    __m256 s[4];
    for (int i = 0; i < vectors; i++) s[i] = bias0[i];
    for (long q = 0; q < k; q++) {
        const __m256 x = _mm256_set1_ps(row[offsets[q]]);
        for (int i = 0; i < vectors; i++) s[i] = _mm256_add_ps(s[i], _mm256_mul_ps(x, _mm256_loadu_ps(b + q * n + 8 * i)));
    }
    if (relu) {
        const __m256 zero = _mm256_setzero_ps();
        for (int i = 0; i < vectors; i++) s[i] = _mm256_blendv_ps(s[i], zero, _mm256_cmp_ps(s[i], zero, _CMP_LT_OQ));
    }
    for (int i = 0; i < vectors; i++) _mm256_storeu_ps(out + 8 * i, s[i]);
}

__attribute__((target("avx2")))
void perceptron_small_multiply_rows_avx2(long first, long last, long n, long k, perceptron_patch_rows a,
                                         const float *b, const float *bias, int relu, float *c) {
    long offsets[32];
    patch_offsets(&a, k < 32 ? k : 32, offsets);
    for (long block = 0; block < n; block += 32) {
        const int vectors = (int)((n - block < 32 ? n - block : 32) / 8);
        __m256 bias0[4];
        for (int i = 0; i < 4; i++) bias0[i] = i < vectors && bias ? _mm256_loadu_ps(bias + block + 8 * i) : _mm256_setzero_ps();
        PatchCursor cursor = patch_cursor(&a, first);
        for (long p = first; p < last; p++, patch_advance(&a, &cursor)) {
            const float *row = patch_start(&a, &cursor);
            float *out = c + p * n + block;
            switch (vectors) {
            case 1: multiply_row(1, k, row, offsets, b + block, n, bias0, relu, out); break;
            case 2: multiply_row(2, k, row, offsets, b + block, n, bias0, relu, out); break;
            case 3: multiply_row(3, k, row, offsets, b + block, n, bias0, relu, out); break;
            default: multiply_row(4, k, row, offsets, b + block, n, bias0, relu, out); break;
            }
        }
    }
}

/// PASS(K) with K the constant equal to k, 1 to 12 (12 for more): the one-pass kernels keep
/// K weight rows' sums or weights in registers, so K must be known when they are compiled.
#define SWITCH_K(k, PASS) \
    switch (k) { \
    case 1: PASS(1); break; case 2: PASS(2); break; case 3: PASS(3); break; case 4: PASS(4); break; \
    case 5: PASS(5); break; case 6: PASS(6); break; case 7: PASS(7); break; case 8: PASS(8); break; \
    case 9: PASS(9); break; case 10: PASS(10); break; case 11: PASS(11); break; default: PASS(12); break; \
    }

/// One pass of perceptron_pooled_weight_sums_avx512 over 16 V columns from c0, K weight rows;
/// K and V are constants after inlining, so the K V sums, the V bias sums and the gradient's
/// V vectors stay in registers (at most 28 of the 32).
static inline __attribute__((always_inline, target("avx512f")))
void pooled_weight_sums_pass(const int K, const int V, const perceptron_patch_rows *a, const long *offsets, long first,
                             long last, long c0, long n, const perceptron_pooled_source *source, float *out) {
    const __m512 zero = _mm512_setzero_ps();
    const __m512i lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const long mapHeight = source->positions / source->mapWidth;
    PatchCursor cursor = patch_cursor(a, first);
    long image = first / source->positions, cell = first % source->positions;
    long oy = cell / source->mapWidth, ox = cell % source->mapWidth;
    for (long start = first; start < last; start += 128) {
        const long end = last - start < 128 ? last : start + 128;
        __m512 s[12][2], total[2];
        for (int v = 0; v < V; v++) {
            total[v] = zero;
            for (int q = 0; q < K; q++) s[q][v] = zero;
        }
        for (long p = start; p < end; p++) {
            __m512 g[2] = {zero, zero};
            const long py = oy / 2, px = ox / 2;
            if (py < source->poolHeight && px < source->poolWidth) {
                const long index = ((image * source->poolHeight + py) * source->poolWidth + px) * n + c0;
                const int32_t here = (int32_t)((oy * source->mapWidth + ox) * n + c0);
                for (int v = 0; v < V; v++) {
                    const __m512i chosen = _mm512_loadu_si512((const void *)(source->choice + index + 16 * v));
                    const __mmask16 hit = _mm512_cmpeq_epi32_mask(chosen, _mm512_add_epi32(_mm512_set1_epi32(here + 16 * v), lanes));
                    g[v] = _mm512_maskz_add_ps(hit, zero, _mm512_loadu_ps(source->dy + index + 16 * v));
                    if (source->relu) {
                        const __mmask16 off = _mm512_cmp_ps_mask(_mm512_loadu_ps(source->pooled + index + 16 * v), zero, _CMP_LE_OQ);
                        g[v] = _mm512_mask_mov_ps(g[v], off, zero);
                    }
                }
            }
            const float *row = patch_start(a, &cursor);
            for (int v = 0; v < V; v++) total[v] = _mm512_add_ps(total[v], g[v]);
            for (int q = 0; q < K; q++) {
                const __m512 x = _mm512_set1_ps(row[offsets[q]]);
                for (int v = 0; v < V; v++) s[q][v] = _mm512_add_ps(s[q][v], _mm512_mul_ps(x, g[v]));
            }
            patch_advance(a, &cursor);
            if (++ox == source->mapWidth) {
                ox = 0;
                if (++oy == mapHeight) { oy = 0; image++; }
            }
        }
        for (int v = 0; v < V; v++) {
            float *bias = out + K * n + c0 + 16 * v;
            _mm512_storeu_ps(bias, _mm512_add_ps(_mm512_loadu_ps(bias), total[v]));
            for (int q = 0; q < K; q++) {
                float *target = out + q * n + c0 + 16 * v;
                _mm512_storeu_ps(target, _mm512_add_ps(_mm512_loadu_ps(target), s[q][v]));
            }
        }
    }
}

__attribute__((target("avx512f")))
void perceptron_pooled_weight_sums_avx512(perceptron_patch_rows a, long first, long last, long k, long n,
                                          perceptron_pooled_source source, float *out) {
    long offsets[12];
    patch_offsets(&a, k < 12 ? k : 12, offsets);
    for (long c0 = 0; c0 < n; c0 += 32) {
        const int pair = n - c0 >= 32;
#define PASS(K) do { \
    if (pair) pooled_weight_sums_pass(K, 2, &a, offsets, first, last, c0, n, &source, out); \
    else pooled_weight_sums_pass(K, 1, &a, offsets, first, last, c0, n, &source, out); \
} while (0)
        SWITCH_K(k, PASS);
#undef PASS
    }
}

/// One pooled cell's 16 V channels from c0 for perceptron_small_multiply_pool_avx512: the four
/// positions of its window (rows[0..3], row-major) in 4 V registers, the K V weights in
/// registers too (K and V constants after inlining).
static inline __attribute__((always_inline, target("avx512f")))
void multiply_pool_cell(const int K, const int V, const float *const *rows, const long *offsets, const __m512 *weights,
                        const __m512 *bias0, int relu, long start, long right, long below, float *pooled, int32_t *choice) {
    const __m512 zero = _mm512_setzero_ps();
    const __m512i lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    __m512 acc[4][2];
    for (int r = 0; r < 4; r++) {
        for (int v = 0; v < V; v++) acc[r][v] = bias0[v];
    }
    for (int q = 0; q < K; q++) {
        for (int r = 0; r < 4; r++) {
            const __m512 x = _mm512_set1_ps(rows[r][offsets[q]]);
            for (int v = 0; v < V; v++) acc[r][v] = _mm512_add_ps(acc[r][v], _mm512_mul_ps(x, weights[q * 2 + v]));
        }
    }
    for (int v = 0; v < V; v++) {
        if (relu) {
            for (int r = 0; r < 4; r++) acc[r][v] = _mm512_mask_mov_ps(acc[r][v], _mm512_cmp_ps_mask(acc[r][v], zero, _CMP_LT_OQ), zero);
        }
        const __m512i here = _mm512_add_epi32(_mm512_set1_epi32((int32_t)(start + 16 * v)), lanes);
        __m512 best = acc[0][v];
        __m512i offset = here;
        __mmask16 better = _mm512_cmp_ps_mask(acc[1][v], best, _CMP_GT_OQ);
        best = _mm512_mask_mov_ps(best, better, acc[1][v]);
        offset = _mm512_mask_mov_epi32(offset, better, _mm512_add_epi32(here, _mm512_set1_epi32((int32_t)right)));
        better = _mm512_cmp_ps_mask(acc[2][v], best, _CMP_GT_OQ);
        best = _mm512_mask_mov_ps(best, better, acc[2][v]);
        offset = _mm512_mask_mov_epi32(offset, better, _mm512_add_epi32(here, _mm512_set1_epi32((int32_t)below)));
        better = _mm512_cmp_ps_mask(acc[3][v], best, _CMP_GT_OQ);
        best = _mm512_mask_mov_ps(best, better, acc[3][v]);
        offset = _mm512_mask_mov_epi32(offset, better, _mm512_add_epi32(here, _mm512_set1_epi32((int32_t)(below + right))));
        _mm512_storeu_ps(pooled + 16 * v, best);
        _mm512_storeu_si512((void *)(choice + 16 * v), offset);
    }
}

/// perceptron_small_multiply_pool_avx512 for 16 V channels from c0 and K weight rows.
static inline __attribute__((always_inline, target("avx512f")))
void multiply_pool_pass(const int K, const int V, const perceptron_patch_rows *a, const long *offsets, long first, long last,
                        long outputHeight, long outputWidth, long n, long c0, const float *w, const float *bias, int relu,
                        float *pooled, int32_t *choice) {
    __m512 weights[24], bias0[2];
    for (int q = 0; q < K; q++) {
        for (int v = 0; v < V; v++) weights[q * 2 + v] = _mm512_loadu_ps(w + q * n + c0 + 16 * v);
    }
    for (int v = 0; v < V; v++) bias0[v] = bias ? _mm512_loadu_ps(bias + c0 + 16 * v) : _mm512_setzero_ps();
    const long poolHeight = outputHeight / 2, poolWidth = outputWidth / 2;
    for (long i = first; i < last; i++) {
        const float *image = a->base + i * a->imageStride;
        for (long py = 0; py < poolHeight; py++) {
            for (long px = 0; px < poolWidth; px++) {
                const float *rows[4];
                for (int r = 0; r < 4; r++) {
                    const long oy = 2 * py + r / 2, ox = 2 * px + r % 2;
                    rows[r] = image + oy * a->rowStride + ox * a->columnStride;
                }
                const long cell = (py * poolWidth + px) * n + c0;
                const long out = i * poolHeight * poolWidth * n + cell;
                multiply_pool_cell(K, V, rows, offsets, weights, bias0, relu, (2 * py * outputWidth + 2 * px) * n + c0, n,
                                   outputWidth * n, pooled + out, choice + out);
            }
        }
    }
}

__attribute__((target("avx512f")))
void perceptron_small_multiply_pool_avx512(perceptron_patch_rows a, long first, long last, long outputHeight,
                                           long outputWidth, long n, long k, const float *w, const float *bias,
                                           int relu, float *pooled, int32_t *choice) {
    long offsets[12];
    patch_offsets(&a, k < 12 ? k : 12, offsets);
    for (long c0 = 0; c0 < n; c0 += 32) {
        const int pair = n - c0 >= 32;
#define PASS(K) do { \
    if (pair) multiply_pool_pass(K, 2, &a, offsets, first, last, outputHeight, outputWidth, n, c0, w, bias, relu, pooled, choice); \
    else multiply_pool_pass(K, 1, &a, offsets, first, last, outputHeight, outputWidth, n, c0, w, bias, relu, pooled, choice); \
} while (0)
        SWITCH_K(k, PASS);
#undef PASS
    }
}

#else
#include <stdlib.h>

// No AVX2 here: perceptron_vector_units() reports none, so these are never called.
void perceptron_small_multiply_rows_avx2(long first, long last, long n, long k, perceptron_patch_rows a,
                                         const float *b, const float *bias, int relu, float *c) {
    (void)first; (void)last; (void)n; (void)k; (void)a; (void)b; (void)bias; (void)relu; (void)c;
    abort();
}
void perceptron_small_weight_sums_avx2(long count, long k, const float *const *rows, const long *offsets,
                                       const float *g, float *out, long n) {
    (void)count; (void)k; (void)rows; (void)offsets; (void)g; (void)out; (void)n;
    abort();
}
void perceptron_pooled_weight_sums_avx512(perceptron_patch_rows a, long first, long last, long k, long n,
                                          perceptron_pooled_source source, float *out) {
    (void)a; (void)first; (void)last; (void)k; (void)n; (void)source; (void)out;
    abort();
}
void perceptron_small_multiply_pool_avx512(perceptron_patch_rows a, long first, long last, long outputHeight,
                                           long outputWidth, long n, long k, const float *w, const float *bias,
                                           int relu, float *pooled, int32_t *choice) {
    (void)a; (void)first; (void)last; (void)outputHeight; (void)outputWidth; (void)n; (void)k; (void)w; (void)bias;
    (void)relu; (void)pooled; (void)choice;
    abort();
}
#endif
