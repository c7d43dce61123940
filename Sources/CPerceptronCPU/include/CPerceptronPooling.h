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

#endif
