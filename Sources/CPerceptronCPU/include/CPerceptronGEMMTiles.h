// Register-tile kernels of the portable GEMM for x86-64 CPUs with AVX2 and FMA or with
// AVX-512. Each function is compiled for its instruction set alone (a function attribute,
// not a compiler flag), so the package still runs on any x86-64 CPU: the Swift side calls
// a kernel only if perceptron_vector_units() reports its unit.
#ifndef CPERCEPTRON_GEMM_TILES_H
#define CPERCEPTRON_GEMM_TILES_H

/// tile[6][16] = sum over p < kc of a[p * 6 + i] * b[p * 16 + j]: A packed in strips of 6
/// rows, B in strips of 16 columns, both k-major (the portable GEMM's packing). Uses FMA.
void perceptron_gemm_tile_6x16_avx2(long kc, const float *a, const float *b, float *tile);

/// The same with strips of 32 columns and a 6x32 tile, on AVX-512.
void perceptron_gemm_tile_6x32_avx512(long kc, const float *a, const float *b, float *tile);

/// acc[j] = sum over p < kc, in order, of a[p] * b[p * ldb + j] for j < n, one fused
/// multiply-add per term from 0: row 0 of either tile above on an unpacked B, bit for bit
/// (each lane is its own chain, so the vector width does not matter). For one-row products.
void perceptron_gemm_row_avx2(long kc, const float *a, const float *b, long ldb, long n, float *acc);

#endif
