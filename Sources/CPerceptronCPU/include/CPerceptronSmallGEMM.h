// SmallGEMM's loops (a first convolution's forward and kernel gradient) on AVX2 vectors, for
// x86-64 CPUs that have them (see perceptron_vector_units()).
#ifndef CPERCEPTRON_SMALL_GEMM_H
#define CPERCEPTRON_SMALL_GEMM_H

/// For one tile of `count` rows and 8 output columns:
///     out[q * n + j] += (sum over t < count, in order, of a[t * lda + q] * g[t * 8 + j])
/// for q < k and j < 8. Each sum starts from zero and takes a multiply then an add per row,
/// no fused multiply-add, exactly as the Swift loop, so the results are bit for bit the same.
void perceptron_small_weight_sums_avx2(long count, long k, const float *a, long lda, const float *g,
                                       float *out, long n);

/// c[p, :] = relu?(bias + sum over q < k, in order, of a[p * k + q] * b[q * n + :]) for rows p
/// in [first, last), 32 columns at a time; n a multiple of 8, bias NULL for none. A multiply
/// then an add per term and ReLU as "0 where the sum is below 0" (so -0 and NaN pass), as the
/// Swift loop: bit for bit the same.
void perceptron_small_multiply_rows_avx2(long first, long last, long n, long k, const float *a, const float *b,
                                         const float *bias, int relu, float *c);

#endif
