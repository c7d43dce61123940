// Products whose left matrix is mostly zeros (MNIST's pixels are about 81% zeros), on AVX2 and
// FMA for x86-64 CPUs that have them (see perceptron_vector_units()).
//
// The left matrix is cut into blocks of `height` rows (6 for the AVX2 tile, 4 or 6 for AVX-512's).
// A block keeps only the columns where at least one of its rows is non-zero, with the values
// there: entry t of block b is column index[b * capacity + t] and
// values[(b * capacity + t) * height + r] for r < height (rows past the end of the matrix hold 0).
// The product then runs a GEMM register tile over a block's entries only: about as fast per
// multiply-add as a dense product, on 39-44% of the columns for MNIST (the union of 4 or 6
// digits' strokes), against the dense product's all of them.
#ifndef CPERCEPTRON_SPARSE_H
#define CPERCEPTRON_SPARSE_H

#include <stdint.h>

/// One bit per entry of rows [first, last) of x (`columns` wide): bit j % 64 of
/// masks[r * words + j / 64] is set when x[r, j] is not equal to zero (NaN is set, -0 is not).
/// words = (columns + 63) / 64; unused bits are clear.
void perceptron_nonzero_masks_avx2(const float *x, long first, long last, long columns, long words, uint64_t *masks);

/// Blocks [first, last) of `height` rows of x ([rows, columns]), from its masks: counts[b]
/// entries each, entry t with its `height` values at values[(b * capacity + t) * height].
/// 1 <= height <= 8.
void perceptron_blocks_of_rows_avx2(const float *x, long rows, long columns, long words, const uint64_t *masks,
                                    long height, long first, long last, long capacity, int32_t *counts,
                                    int32_t *index, float *values);

/// Blocks [first, last) of `height` columns of x ([rows, columns]), that is of `height` rows of
/// its transpose: entry t of block b is a row i of x where one of columns
/// height * b ..< height * (b + 1) is non-zero, with those values. 1 <= height <= 8.
void perceptron_blocks_of_columns_avx2(const float *x, long rows, long columns, long words, const uint64_t *masks,
                                       long height, long first, long last, long capacity, int32_t *counts,
                                       int32_t *index, float *values);

/// out[6b + r, j] = init + sum over the entries t of block b, in order, of
/// values[t][r] * b[index[t], j], for the blocks b < blocks, rows 6b + r < rows, and columns j in
/// the 16-column panels [firstPanel, lastPanel) (the last one clipped to n). init is out itself
/// when `accumulate`, else bias[j] (zero when NULL); then max(0, .) as "0 where below 0" when
/// `relu`. b is [kb, n] row-major; `pack` is a workspace of kb * 16 floats. Fused multiply-adds.
void perceptron_blocks_multiply_avx2(long blocks, long rows, long capacity, const int32_t *counts,
                                     const int32_t *index, const float *values, const float *b, long kb, long n,
                                     long firstPanel, long lastPanel, const float *bias, int accumulate, int relu,
                                     float *pack, float *out);

/// `perceptron_blocks_multiply_avx2` on AVX-512, for blocks of `height` rows (4 or 6): the same
/// sums, lane for lane, over 64-column panels (`pack` holds kb * 64 floats, 64-byte aligned)
/// with an H x 64 tile in 4H of the 32 registers, so each entry's broadcasts feed four times
/// the multiply-adds.
void perceptron_blocks_multiply_avx512(long height, long blocks, long rows, long capacity, const int32_t *counts,
                                       const int32_t *index, const float *values, const float *b, long kb, long n,
                                       long firstPanel, long lastPanel, const float *bias, int accumulate, int relu,
                                       float *pack, float *out);

/// The number of entries of x[0..<count] that are not zero (NaN counts as not zero).
long perceptron_count_nonzero_avx2(const float *x, long count);

/// For each row r < rows of x ([rows, columns], a few rows at most: predicting one image):
///     out[r, :] = bias + sum over the columns k where x[r, k] != 0, in order, of x[r, k] * b[k, :]
/// then max(0, .) as "0 where below 0" when `relu`; bias NULL for none. b is [columns, n]
/// row-major; `scratch` holds `columns` indices. Reads only the rows of b that a non-zero entry
/// needs (a fifth of the first layer's weights for an MNIST digit). Fused multiply-adds.
void perceptron_sparse_rows_direct_avx2(const float *x, long rows, long columns, const float *b, long n,
                                        const float *bias, int relu, int32_t *scratch, float *out);

/// `perceptron_sparse_rows_direct_avx2` on AVX-512: the same sums, bit for bit, over slices
/// of 256 columns, so each needed row of b is walked in fewer passes.
void perceptron_sparse_rows_direct_avx512(const float *x, long rows, long columns, const float *b, long n,
                                          const float *bias, int relu, int32_t *scratch, float *out);

#endif
