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

#else
#include <stdlib.h>

// No AVX2 here: perceptron_vector_units() reports none, so this is never called.
void perceptron_pairwise_max_avx2(const float *x, long output_height, long output_width, long channels, long row,
                                  float *y, int32_t *choice) {
    (void)x; (void)output_height; (void)output_width; (void)channels; (void)row; (void)y; (void)choice;
    abort();
}
#endif
