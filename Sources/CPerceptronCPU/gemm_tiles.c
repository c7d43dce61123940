// Register-tile kernels of the portable GEMM; see include/CPerceptronGEMMTiles.h.
//
// Both kernels keep the 6-row tile in twelve vector accumulators (two vectors per row) and,
// for each k, load one row of the B strip and broadcast six values of the A strip: twelve
// fused multiply-adds per k, enough independent chains to cover the FMA latency.
#include "CPerceptronGEMMTiles.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

#define ROW_AVX2(i)                                                  \
    {                                                                \
        const __m256 ai = _mm256_broadcast_ss(a + (i));              \
        c##i##0 = _mm256_fmadd_ps(ai, b0, c##i##0);                  \
        c##i##1 = _mm256_fmadd_ps(ai, b1, c##i##1);                  \
    }

__attribute__((target("avx2,fma")))
void perceptron_gemm_tile_6x16_avx2(long kc, const float *a, const float *b, float *tile) {
    __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
    __m256 c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
    for (long p = 0; p < kc; p++) {
        const __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
        ROW_AVX2(0) ROW_AVX2(1) ROW_AVX2(2) ROW_AVX2(3) ROW_AVX2(4) ROW_AVX2(5)
        a += 6;
        b += 16;
    }
    _mm256_storeu_ps(tile + 0, c00);  _mm256_storeu_ps(tile + 8, c01);
    _mm256_storeu_ps(tile + 16, c10); _mm256_storeu_ps(tile + 24, c11);
    _mm256_storeu_ps(tile + 32, c20); _mm256_storeu_ps(tile + 40, c21);
    _mm256_storeu_ps(tile + 48, c30); _mm256_storeu_ps(tile + 56, c31);
    _mm256_storeu_ps(tile + 64, c40); _mm256_storeu_ps(tile + 72, c41);
    _mm256_storeu_ps(tile + 80, c50); _mm256_storeu_ps(tile + 88, c51);
}

__attribute__((target("avx2,fma")))
void perceptron_gemm_row_avx2(long kc, const float *a, const float *b, long ldb, long n, float *acc) {
    long j = 0;
    // 64 columns at a time: eight independent chains cover the fused multiply-add's latency.
    for (; j + 64 <= n; j += 64) {
        __m256 s[8];
        for (int v = 0; v < 8; v++) s[v] = _mm256_setzero_ps();
        const float *row = b + j;
        for (long p = 0; p < kc; p++, row += ldb) {
            const __m256 x = _mm256_broadcast_ss(a + p);
            for (int v = 0; v < 8; v++) s[v] = _mm256_fmadd_ps(x, _mm256_loadu_ps(row + 8 * v), s[v]);
        }
        for (int v = 0; v < 8; v++) _mm256_storeu_ps(acc + j + 8 * v, s[v]);
    }
    for (; j + 8 <= n; j += 8) {
        __m256 s = _mm256_setzero_ps();
        for (long p = 0; p < kc; p++) s = _mm256_fmadd_ps(_mm256_broadcast_ss(a + p), _mm256_loadu_ps(b + p * ldb + j), s);
        _mm256_storeu_ps(acc + j, s);
    }
    for (; j < n; j++) {
        float s = 0.0f;
        for (long p = 0; p < kc; p++) s = __builtin_fmaf(a[p], b[p * ldb + j], s);
        acc[j] = s;
    }
}

#define ROW_AVX512(i)                                                \
    {                                                                \
        const __m512 ai = _mm512_set1_ps(a[i]);                      \
        c##i##0 = _mm512_fmadd_ps(ai, b0, c##i##0);                  \
        c##i##1 = _mm512_fmadd_ps(ai, b1, c##i##1);                  \
    }

__attribute__((target("avx512f")))
void perceptron_gemm_tile_6x32_avx512(long kc, const float *a, const float *b, float *tile) {
    __m512 c00 = _mm512_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
    __m512 c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
    for (long p = 0; p < kc; p++) {
        const __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + 16);
        ROW_AVX512(0) ROW_AVX512(1) ROW_AVX512(2) ROW_AVX512(3) ROW_AVX512(4) ROW_AVX512(5)
        a += 6;
        b += 32;
    }
    _mm512_storeu_ps(tile + 0, c00);   _mm512_storeu_ps(tile + 16, c01);
    _mm512_storeu_ps(tile + 32, c10);  _mm512_storeu_ps(tile + 48, c11);
    _mm512_storeu_ps(tile + 64, c20);  _mm512_storeu_ps(tile + 80, c21);
    _mm512_storeu_ps(tile + 96, c30);  _mm512_storeu_ps(tile + 112, c31);
    _mm512_storeu_ps(tile + 128, c40); _mm512_storeu_ps(tile + 144, c41);
    _mm512_storeu_ps(tile + 160, c50); _mm512_storeu_ps(tile + 176, c51);
}

#else
#include <stdlib.h>

// No such instruction sets here: perceptron_vector_units() reports none, so these are never called.
void perceptron_gemm_tile_6x16_avx2(long kc, const float *a, const float *b, float *tile) {
    (void)kc; (void)a; (void)b; (void)tile;
    abort();
}
void perceptron_gemm_row_avx2(long kc, const float *a, const float *b, long ldb, long n, float *acc) {
    (void)kc; (void)a; (void)b; (void)ldb; (void)n; (void)acc;
    abort();
}
void perceptron_gemm_tile_6x32_avx512(long kc, const float *a, const float *b, float *tile) {
    (void)kc; (void)a; (void)b; (void)tile;
    abort();
}
#endif
