// The inner loop of SmallGEMM.weightGradients (a first convolution's kernel gradient) on AVX2
// vectors, for x86-64 CPUs that have them (see perceptron_vector_units()).
#ifndef CPERCEPTRON_SMALL_GEMM_H
#define CPERCEPTRON_SMALL_GEMM_H

/// For one tile of `count` rows and 8 output columns:
///     out[q * n + j] += (sum over t < count, in order, of a[t * lda + q] * g[t * 8 + j])
/// for q < k and j < 8. Each sum starts from zero and takes a multiply then an add per row,
/// no fused multiply-add, exactly as the Swift loop, so the results are bit for bit the same.
void perceptron_small_weight_sums_avx2(long count, long k, const float *a, long lda, const float *g,
                                       float *out, long n);

#endif
