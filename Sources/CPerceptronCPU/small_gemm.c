// SmallGEMM's weight-gradient sums on AVX2; see include/CPerceptronSmallGEMM.h.
//
// All the weight rows of a block (up to 8) are summed in one pass over the tile, each in its
// own register, so the tile's gradient is read once per block rather than once per four rows.
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

#else
#include <stdlib.h>

// No AVX2 here: perceptron_vector_units() reports none, so this is never called.
void perceptron_small_weight_sums_avx2(long count, long k, const float *a, long lda, const float *g,
                                       float *out, long n) {
    (void)count; (void)k; (void)a; (void)lda; (void)g; (void)out; (void)n;
    abort();
}
#endif
