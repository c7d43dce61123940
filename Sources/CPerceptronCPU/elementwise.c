// Element-wise kernels on AVX2; see include/CPerceptronElementwise.h.
#pragma STDC FP_CONTRACT OFF

#include "CPerceptronElementwise.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

__attribute__((target("avx2")))
void perceptron_convert_bytes_avx2(const uint8_t *source, long count, float scale, float *destination) {
    const __m256 factor = _mm256_set1_ps(scale);
    long i = 0;
    for (; i + 8 <= count; i += 8) {
        const __m128i bytes = _mm_loadl_epi64((const __m128i *)(source + i));
        const __m256 values = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(bytes));
        _mm256_storeu_ps(destination + i, _mm256_mul_ps(values, factor));
    }
    for (; i < count; i++) destination[i] = (float)source[i] * scale;
}

__attribute__((target("avx2")))
void perceptron_relu_gradient_sums_avx2(const float *dy, const float *y, long rows, long columns, long first,
                                        long last, float *dz, float *sums) {
    const __m256 zero = _mm256_setzero_ps();
    // 64 columns at a time in eight registers, down all the rows; then 8; then one.
    long j = first;
    for (; j + 64 <= last; j += 64) {
        __m256 s[8];
        for (int v = 0; v < 8; v++) s[v] = zero;
        for (long i = 0; i < rows; i++) {
            const long at = i * columns + j;
            for (int v = 0; v < 8; v++) {
                const __m256 g = _mm256_andnot_ps(_mm256_cmp_ps(_mm256_loadu_ps(y + at + 8 * v), zero, _CMP_LE_OQ),
                                                  _mm256_loadu_ps(dy + at + 8 * v));
                _mm256_storeu_ps(dz + at + 8 * v, g);
                s[v] = _mm256_add_ps(s[v], g);
            }
        }
        for (int v = 0; v < 8; v++) _mm256_storeu_ps(sums + j + 8 * v, _mm256_add_ps(_mm256_loadu_ps(sums + j + 8 * v), s[v]));
    }
    for (; j + 8 <= last; j += 8) {
        __m256 s = zero;
        for (long i = 0; i < rows; i++) {
            const long at = i * columns + j;
            const __m256 g = _mm256_andnot_ps(_mm256_cmp_ps(_mm256_loadu_ps(y + at), zero, _CMP_LE_OQ), _mm256_loadu_ps(dy + at));
            _mm256_storeu_ps(dz + at, g);
            s = _mm256_add_ps(s, g);
        }
        _mm256_storeu_ps(sums + j, _mm256_add_ps(_mm256_loadu_ps(sums + j), s));
    }
    for (; j < last; j++) {
        float s = 0;
        for (long i = 0; i < rows; i++) {
            const long at = i * columns + j;
            const float g = y[at] <= 0 ? 0.0f : dy[at];
            dz[at] = g;
            s += g;
        }
        sums[j] += s;
    }
}

#else
#include <stdlib.h>

// No AVX2 here: perceptron_vector_units() reports none, so these are never called.
void perceptron_convert_bytes_avx2(const uint8_t *source, long count, float scale, float *destination) {
    (void)source; (void)count; (void)scale; (void)destination;
    abort();
}
void perceptron_relu_gradient_sums_avx2(const float *dy, const float *y, long rows, long columns, long first,
                                        long last, float *dz, float *sums) {
    (void)dy; (void)y; (void)rows; (void)columns; (void)first; (void)last; (void)dz; (void)sums;
    abort();
}
#endif
