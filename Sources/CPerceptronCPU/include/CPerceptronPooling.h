// 2x2, stride-2 max pooling on AVX2 vectors, for x86-64 CPUs that have them (see
// perceptron_vector_units()).
#ifndef CPERCEPTRON_POOLING_H
#define CPERCEPTRON_POOLING_H

#include <stdint.h>

/// For each output cell (oy, ox) and channel of one channels-last image x, y = the largest of
/// the window's four values, taken in the order top left, top right, bottom left, bottom right
/// and replaced only by a strictly greater one (so a tie keeps the first, and a NaN is never
/// taken over a number nor replaced), and choice (if not NULL) = the chosen value's index in
/// x. `channels` is a multiple of 8, `row` = input width * channels. Bit for bit the Swift loop.
void perceptron_pairwise_max_avx2(const float *x, long output_height, long output_width, long channels, long row,
                                  float *y, int32_t *choice);

/// A row of a convolution's maps seen from the 2x2 max pooling after it: `index`, the flat
/// index of its window's pooled output (channel 0), or -1 for a cell no window covers; `offset`,
/// the cell's offset within its image's maps.
typedef struct {
    long index;
    int32_t offset;
} perceptron_pooled_row;

/// The maps' gradient for `count` rows, channels [column, column + 8), read from the pooling's
/// side: a cell gets 0 + dy[index + j] where choice[index + j] is the cell (offset + j), else 0;
/// with `relu`, 0 where pooled[index + j] <= 0. Writes 8 values a row to `tile` and their sum,
/// added row after row from zero, to `sum`. Bit for bit `PooledGradient.load`.
void perceptron_pooled_gradient_avx2(long count, const perceptron_pooled_row *rows, const int32_t *choice,
                                     const float *dy, const float *pooled, int relu, long column, float *tile,
                                     float *sum);

#endif
