// SmallGEMM's loops (a first convolution's forward and kernel gradient) on AVX2 vectors, for
// x86-64 CPUs that have them (see perceptron_vector_units()).
#ifndef CPERCEPTRON_SMALL_GEMM_H
#define CPERCEPTRON_SMALL_GEMM_H

#include <stdint.h>

/// Where the rows of a product's left operand A (K values each) lie: packed one after the
/// other (unfolded windows), or each output position's window read in place from
/// channels-last images. Row p starts at
///     start(p) = base + (p / positions) * imageStride + (p % positions / outputWidth) * rowStride
///                     + (p % outputWidth) * columnStride
/// and holds its value q at start(p)[(q / run) * lineStride + q % run]. Packed rows: positions
/// and outputWidth 1, imageStride and run K, the rest 0.
typedef struct {
    const float *base;
    long positions, outputWidth, imageStride, rowStride, columnStride;
    long run, lineStride;
} perceptron_patch_rows;

/// start(p) for the rows p in [first, first + count), into `starts`.
void perceptron_patch_row_starts(perceptron_patch_rows a, long first, long count, const float **starts);

/// For one tile of `count` rows and 8 output columns:
///     out[q * n + j] += (sum over t < count, in order, of rows[t][offsets[q]] * g[t * 8 + j])
/// for q < k and j < 8. Each sum starts from zero and takes a multiply then an add per row,
/// no fused multiply-add, exactly as the Swift loop, so the results are bit for bit the same.
void perceptron_small_weight_sums_avx2(long count, long k, const float *const *rows, const long *offsets,
                                       const float *g, float *out, long n);

/// c[p, :] = relu?(bias + sum over q < k, in order, of A[p, q] * b[q * n + :]) for rows p
/// in [first, last) of `a`, 32 columns at a time; n a multiple of 8, bias NULL for none. A
/// multiply then an add per term and ReLU as "0 where the sum is below 0" (so -0 and NaN
/// pass), as the Swift loop: bit for bit the same.
void perceptron_small_multiply_rows_avx2(long first, long last, long n, long k, perceptron_patch_rows a,
                                         const float *b, const float *bias, int relu, float *c);

/// Where a first convolution's maps' gradient is read from its 2x2 max pooling's side (as
/// perceptron_pooled_gradient_avx2 reads it): maps of `positions` cells, `mapWidth` wide, pooled
/// to poolHeight x poolWidth; dy, pooled and choice are [N, poolHeight, poolWidth, n].
typedef struct {
    const float *dy, *pooled;
    const int32_t *choice;
    long positions, mapWidth, poolHeight, poolWidth;
    int relu;
} perceptron_pooled_source;

/// `SmallGEMM.weightGradients`' sums for the rows [first, last) of `a` (K <= 12 values) with the
/// maps' gradient dz read from the pooling's side, in one pass per 32 columns (n a multiple of
/// 16) on AVX-512: in tiles of 128 rows from `first`, tile after tile,
///     out[q * n + j] += (sum over the tile's rows p, in order, of A[p, q] * dz[p, j])
///     out[K * n + j] += (sum over the tile's rows p, in order, of dz[p, j])
/// each sum from zero, a multiply then an add per row, where dz[p, j] is 0 + dy at the pooled
/// cell whose window chose p (0 elsewhere and for cells no window covers), then 0 where the
/// pooled value is not positive when `relu`: the tile loop's sums with PooledGradient's values,
/// bit for bit.
void perceptron_pooled_weight_sums_avx512(perceptron_patch_rows a, long first, long last, long k, long n,
                                          perceptron_pooled_source source, float *out);

/// A first convolution and the 2x2 max pooling after it on AVX-512, the maps never stored: for
/// the images [first, last) of `a` (windows read in place, K <= 12 values; outputHeight x
/// outputWidth positions an image, a.positions their product), each map value is
/// perceptron_small_multiply_rows_avx2's (bias, then a multiply and an add per q in order, then
/// ReLU as "0 where below 0"), and each pooled value the first maximum of its window in
/// row-major order as perceptron_pairwise_max_avx2 picks it, `choice` the chosen cell's offset in
/// the image's maps. w is [K, n], n a multiple of 16, bias NULL for none; pooled and choice
/// are [N, outputHeight / 2, outputWidth / 2, n]. Bit for bit those two kernels one after the other.
void perceptron_small_multiply_pool_avx512(perceptron_patch_rows a, long first, long last, long outputHeight,
                                           long outputWidth, long n, long k, const float *w, const float *bias,
                                           int relu, float *pooled, int32_t *choice);

#endif
