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
    for (long q = 0; q < k && q < 32; q++) offsets[q] = q / a.run * a.lineStride + q % a.run;
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
#endif
