// SmallGEMM's loops on AVX2; see include/CPerceptronSmallGEMM.h.
//
// Weight gradient: all the weight rows of a block (up to 8) are summed in one pass over the
// tile, each in its own register, so the tile's gradient is read once per block rather than
// once per four rows. Forward: 32 output columns of a row in four 8-lane registers.
#pragma STDC FP_CONTRACT OFF

#include "CPerceptronSmallGEMM.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

/// `rows` weight rows from q onwards; `rows` is a constant after inlining, so the sums stay in
/// registers.
static inline __attribute__((always_inline, target("avx2")))
void weight_sums_block(const int rows, long count, const float *a, long lda, const float *g, float *out, long n) {
    __m256 s[8];
    for (int i = 0; i < rows; i++) s[i] = _mm256_setzero_ps();
    for (long t = 0; t < count; t++) {
        const __m256 gt = _mm256_loadu_ps(g + t * 8);
        const float *row = a + t * lda;
        for (int i = 0; i < rows; i++) s[i] = _mm256_add_ps(s[i], _mm256_mul_ps(_mm256_set1_ps(row[i]), gt));
    }
    for (int i = 0; i < rows; i++) _mm256_storeu_ps(out + i * n, _mm256_add_ps(_mm256_loadu_ps(out + i * n), s[i]));
}

__attribute__((target("avx2")))
void perceptron_small_weight_sums_avx2(long count, long k, const float *a, long lda, const float *g,
                                       float *out, long n) {
    // Blocks of equal size, at most 8 rows: K = 9 goes as 5 + 4.
    const long blocks = (k + 7) / 8;
    long q = 0;
    for (long block = 0; block < blocks; block++) {
        const long end = k * (block + 1) / blocks;
        const float *column = a + q;
        float *target = out + q * n;
        switch (end - q) {
        case 1: weight_sums_block(1, count, column, lda, g, target, n); break;
        case 2: weight_sums_block(2, count, column, lda, g, target, n); break;
        case 3: weight_sums_block(3, count, column, lda, g, target, n); break;
        case 4: weight_sums_block(4, count, column, lda, g, target, n); break;
        case 5: weight_sums_block(5, count, column, lda, g, target, n); break;
        case 6: weight_sums_block(6, count, column, lda, g, target, n); break;
        case 7: weight_sums_block(7, count, column, lda, g, target, n); break;
        default: weight_sums_block(8, count, column, lda, g, target, n); break;
        }
        q = end;
    }
}

/// One row's 32 (or fewer: `vectors` of 8) output columns.
static inline __attribute__((always_inline, target("avx2")))
void multiply_row(const int vectors, long k, const float *row, const float *b, long n, const __m256 *bias0,
                  int relu, float *out) {
    __m256 s[4];
    for (int i = 0; i < vectors; i++) s[i] = bias0[i];
    for (long q = 0; q < k; q++) {
        const __m256 x = _mm256_set1_ps(row[q]);
        for (int i = 0; i < vectors; i++) s[i] = _mm256_add_ps(s[i], _mm256_mul_ps(x, _mm256_loadu_ps(b + q * n + 8 * i)));
    }
    if (relu) {
        const __m256 zero = _mm256_setzero_ps();
        for (int i = 0; i < vectors; i++) s[i] = _mm256_blendv_ps(s[i], zero, _mm256_cmp_ps(s[i], zero, _CMP_LT_OQ));
    }
    for (int i = 0; i < vectors; i++) _mm256_storeu_ps(out + 8 * i, s[i]);
}

__attribute__((target("avx2")))
void perceptron_small_multiply_rows_avx2(long first, long last, long n, long k, const float *a, const float *b,
                                         const float *bias, int relu, float *c) {
    for (long block = 0; block < n; block += 32) {
        const int vectors = (int)((n - block < 32 ? n - block : 32) / 8);
        __m256 bias0[4];
        for (int i = 0; i < 4; i++) bias0[i] = i < vectors && bias ? _mm256_loadu_ps(bias + block + 8 * i) : _mm256_setzero_ps();
        for (long p = first; p < last; p++) {
            const float *row = a + p * k;
            float *out = c + p * n + block;
            switch (vectors) {
            case 1: multiply_row(1, k, row, b + block, n, bias0, relu, out); break;
            case 2: multiply_row(2, k, row, b + block, n, bias0, relu, out); break;
            case 3: multiply_row(3, k, row, b + block, n, bias0, relu, out); break;
            default: multiply_row(4, k, row, b + block, n, bias0, relu, out); break;
            }
        }
    }
}

#else
#include <stdlib.h>

// No AVX2 here: perceptron_vector_units() reports none, so these are never called.
void perceptron_small_multiply_rows_avx2(long first, long last, long n, long k, const float *a, const float *b,
                                         const float *bias, int relu, float *c) {
    (void)first; (void)last; (void)n; (void)k; (void)a; (void)b; (void)bias; (void)relu; (void)c;
    abort();
}
void perceptron_small_weight_sums_avx2(long count, long k, const float *a, long lda, const float *g,
                                       float *out, long n) {
    (void)count; (void)k; (void)a; (void)lda; (void)g; (void)out; (void)n;
    abort();
}
#endif
