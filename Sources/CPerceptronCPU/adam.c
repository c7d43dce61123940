// Adam's fused update on wide vectors; see include/CPerceptronAdam.h.
//
// The update is three loads, three stores, a division and a square root per value. On
// baseline x86-64 (SSE, 4 lanes) the divider is the bottleneck: 670,000 values take about
// 0.36 ms on one Zen 5 core; 16 lanes take 0.13 ms. No contraction into fused multiply-adds,
// which would round differently from the Swift path.
#pragma STDC FP_CONTRACT OFF

#include "CPerceptronAdam.h"
#include <math.h>

/// The scalar update of one value: the vector loops' tail, the same operations.
static inline void adam_scalar(float *w, const float *g, float *m, float *v, float alpha, float one_minus_beta1,
                               float one_minus_beta2, float epsilon) {
    const float gi = *g;
    *m += (gi - *m) * one_minus_beta1;
    *v += (gi * gi - *v) * one_minus_beta2;
    *w -= alpha * *m / (sqrtf(*v) + epsilon);
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

__attribute__((target("avx2")))
void perceptron_adam_update_avx2(long count, float *w, const float *g, float *m, float *v, float alpha,
                                 float one_minus_beta1, float one_minus_beta2, float epsilon) {
    const __m256 b1 = _mm256_set1_ps(one_minus_beta1), b2 = _mm256_set1_ps(one_minus_beta2);
    const __m256 a = _mm256_set1_ps(alpha), e = _mm256_set1_ps(epsilon);
    long i = 0;
    for (; i + 8 <= count; i += 8) {
        const __m256 gi = _mm256_loadu_ps(g + i);
        const __m256 mi = _mm256_loadu_ps(m + i), vi = _mm256_loadu_ps(v + i);
        const __m256 mn = _mm256_add_ps(mi, _mm256_mul_ps(_mm256_sub_ps(gi, mi), b1));
        const __m256 vn = _mm256_add_ps(vi, _mm256_mul_ps(_mm256_sub_ps(_mm256_mul_ps(gi, gi), vi), b2));
        _mm256_storeu_ps(m + i, mn);
        _mm256_storeu_ps(v + i, vn);
        const __m256 step = _mm256_div_ps(_mm256_mul_ps(a, mn), _mm256_add_ps(_mm256_sqrt_ps(vn), e));
        _mm256_storeu_ps(w + i, _mm256_sub_ps(_mm256_loadu_ps(w + i), step));
    }
    for (; i < count; i++) adam_scalar(w + i, g + i, m + i, v + i, alpha, one_minus_beta1, one_minus_beta2, epsilon);
}

__attribute__((target("avx512f")))
void perceptron_adam_update_avx512(long count, float *w, const float *g, float *m, float *v, float alpha,
                                   float one_minus_beta1, float one_minus_beta2, float epsilon) {
    const __m512 b1 = _mm512_set1_ps(one_minus_beta1), b2 = _mm512_set1_ps(one_minus_beta2);
    const __m512 a = _mm512_set1_ps(alpha), e = _mm512_set1_ps(epsilon);
    long i = 0;
    for (; i + 16 <= count; i += 16) {
        const __m512 gi = _mm512_loadu_ps(g + i);
        const __m512 mi = _mm512_loadu_ps(m + i), vi = _mm512_loadu_ps(v + i);
        const __m512 mn = _mm512_add_ps(mi, _mm512_mul_ps(_mm512_sub_ps(gi, mi), b1));
        const __m512 vn = _mm512_add_ps(vi, _mm512_mul_ps(_mm512_sub_ps(_mm512_mul_ps(gi, gi), vi), b2));
        _mm512_storeu_ps(m + i, mn);
        _mm512_storeu_ps(v + i, vn);
        const __m512 step = _mm512_div_ps(_mm512_mul_ps(a, mn), _mm512_add_ps(_mm512_sqrt_ps(vn), e));
        _mm512_storeu_ps(w + i, _mm512_sub_ps(_mm512_loadu_ps(w + i), step));
    }
    for (; i < count; i++) adam_scalar(w + i, g + i, m + i, v + i, alpha, one_minus_beta1, one_minus_beta2, epsilon);
}

#else
#include <stdlib.h>

// No such instruction sets here: perceptron_vector_units() reports none, so these are never called.
void perceptron_adam_update_avx2(long count, float *w, const float *g, float *m, float *v, float alpha,
                                 float one_minus_beta1, float one_minus_beta2, float epsilon) {
    (void)count; (void)w; (void)g; (void)m; (void)v; (void)alpha;
    (void)one_minus_beta1; (void)one_minus_beta2; (void)epsilon;
    abort();
}
void perceptron_adam_update_avx512(long count, float *w, const float *g, float *m, float *v, float alpha,
                                   float one_minus_beta1, float one_minus_beta2, float epsilon) {
    (void)count; (void)w; (void)g; (void)m; (void)v; (void)alpha;
    (void)one_minus_beta1; (void)one_minus_beta2; (void)epsilon;
    abort();
}
#endif
