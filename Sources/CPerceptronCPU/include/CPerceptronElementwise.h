// Element-wise kernels on AVX2 vectors, for x86-64 CPUs that have them (see
// perceptron_vector_units()). Each gives the Swift loop's results bit for bit.
#ifndef CPERCEPTRON_ELEMENTWISE_H
#define CPERCEPTRON_ELEMENTWISE_H

#include <stdint.h>

/// destination[i] = (float)source[i] * scale for i < count: one exact conversion and one
/// rounded multiply, as the Swift loop.
void perceptron_convert_bytes_avx2(const uint8_t *source, long count, float scale, float *destination);

/// For the columns [first, last) of [rows, columns] buffers (first a multiple of 8):
///     dz[i, j] = y[i, j] <= 0 ? 0 : dy[i, j]   (the ReLU derivative from its output; NaN passes)
///     sums[j] += (dz[0, j] + dz[1, j] + ... in row order, starting from 0)
/// one pass for what Kernels.reluGradient and Kernels.addColumnSums do in two. dz may be dy.
void perceptron_relu_gradient_sums_avx2(const float *dy, const float *y, long rows, long columns, long first,
                                        long last, float *dz, float *sums);

#endif
