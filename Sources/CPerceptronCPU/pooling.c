// 2x2 max pooling on AVX2; see include/CPerceptronPooling.h. Baseline x86-64 (SSE2) has no
// blend instruction, so the Swift loop's eight selects per window cost three instructions
// each there; AVX2 does each in one.
#include "CPerceptronPooling.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

__attribute__((target("avx2")))
void perceptron_pairwise_max_avx2(const float *x, long output_height, long output_width, long channels, long row,
                                  float *y, int32_t *choice) {
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256i right = _mm256_set1_epi32((int32_t)channels), below = _mm256_set1_epi32((int32_t)row);
    long o = 0;
    for (long oy = 0; oy < output_height; oy++) {
        for (long ox = 0; ox < output_width; ox++) {
            const long first = 2 * oy * row + 2 * ox * channels;
            for (long channel = 0; channel < channels; channel += 8) {
                const float *p = x + first + channel;
                const __m256 top_right = _mm256_loadu_ps(p + channels), bottom_left = _mm256_loadu_ps(p + row);
                const __m256 bottom_right = _mm256_loadu_ps(p + row + channels);
                __m256 best = _mm256_loadu_ps(p);
                const __m256i start = _mm256_add_epi32(_mm256_set1_epi32((int32_t)(first + channel)), lanes);
                __m256 offsets = _mm256_castsi256_ps(start);
                __m256 better = _mm256_cmp_ps(top_right, best, _CMP_GT_OQ);
                best = _mm256_blendv_ps(best, top_right, better);
                offsets = _mm256_blendv_ps(offsets, _mm256_castsi256_ps(_mm256_add_epi32(start, right)), better);
                better = _mm256_cmp_ps(bottom_left, best, _CMP_GT_OQ);
                best = _mm256_blendv_ps(best, bottom_left, better);
                offsets = _mm256_blendv_ps(offsets, _mm256_castsi256_ps(_mm256_add_epi32(start, below)), better);
                better = _mm256_cmp_ps(bottom_right, best, _CMP_GT_OQ);
                best = _mm256_blendv_ps(best, bottom_right, better);
                offsets = _mm256_blendv_ps(offsets, _mm256_castsi256_ps(_mm256_add_epi32(_mm256_add_epi32(start, below), right)),
                                           better);
                _mm256_storeu_ps(y + o, best);
                if (choice) _mm256_storeu_si256((__m256i *)(choice + o), _mm256_castps_si256(offsets));
                o += 8;
            }
        }
    }
}

__attribute__((target("avx2")))
void perceptron_pooled_gradient_avx2(long count, const perceptron_pooled_row *rows, const int32_t *choice,
                                     const float *dy, const float *pooled, int relu, long column, float *tile,
                                     float *sum) {
    const __m256 zero = _mm256_setzero_ps();
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    __m256 total = zero;
    for (long t = 0; t < count; t++) {
        __m256 g = zero;
        const long index = rows[t].index;
        if (index >= 0) {
            const __m256i chosen = _mm256_loadu_si256((const __m256i *)(choice + index + column));
            const __m256i here = _mm256_add_epi32(_mm256_set1_epi32(rows[t].offset + (int32_t)column), lanes);
            const __m256 hit = _mm256_castsi256_ps(_mm256_cmpeq_epi32(chosen, here));
            g = _mm256_and_ps(hit, _mm256_add_ps(zero, _mm256_loadu_ps(dy + index + column)));
            if (relu) g = _mm256_andnot_ps(_mm256_cmp_ps(_mm256_loadu_ps(pooled + index + column), zero, _CMP_LE_OQ), g);
        }
        _mm256_storeu_ps(tile + 8 * t, g);
        total = _mm256_add_ps(total, g);
    }
    _mm256_storeu_ps(sum, total);
}

#else
#include <stdlib.h>

// No AVX2 here: perceptron_vector_units() reports none, so this is never called.
void perceptron_pairwise_max_avx2(const float *x, long output_height, long output_width, long channels, long row,
                                  float *y, int32_t *choice) {
    (void)x; (void)output_height; (void)output_width; (void)channels; (void)row; (void)y; (void)choice;
    abort();
}
void perceptron_pooled_gradient_avx2(long count, const perceptron_pooled_row *rows, const int32_t *choice,
                                     const float *dy, const float *pooled, int relu, long column, float *tile,
                                     float *sum) {
    (void)count; (void)rows; (void)choice; (void)dy; (void)pooled; (void)relu; (void)column; (void)tile; (void)sum;
    abort();
}
#endif
