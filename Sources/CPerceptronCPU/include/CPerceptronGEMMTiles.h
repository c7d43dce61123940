// Register-tile kernels of the portable GEMM for x86-64 CPUs with AVX2 and FMA or with
// AVX-512. Each function is compiled for its instruction set alone (a function attribute,
// not a compiler flag), so the package still runs on any x86-64 CPU: the Swift side calls
// a kernel only if perceptron_vector_units() reports its unit.
#ifndef CPERCEPTRON_GEMM_TILES_H
#define CPERCEPTRON_GEMM_TILES_H

/// One block of the portable GEMM's product, tile by tile: for each strip `js` of B in
/// [strip_start, strip_end), 16 columns from j0 = js * 16, and each strip of 6 of A's mc
/// rows, the 6x16 tile of sums over p < kc, each a chain of fused multiply-adds from 0, is
/// added to C's columns j0 up to n: `alpha * t` where beta is 0 (C not read), `C + alpha * t`
/// where beta is 1, otherwise `alpha * t + beta * C`, each operation rounded on its own.
///
/// A is packed (`lda` 0: strips of `kc * 6` floats, k-major, as the portable GEMM packs
/// them) or read in place (lda > 0): row i's value of depth p at a + i * lda + p, or with
/// `a_transposed` at a + p * lda + i. B's strip is read in place, row p at
/// b + p * ldb + j0, where ldb > 0 and the strip is whole; otherwise it is packed, at
/// packed_b + js * strip_stride, `kc * 16` floats k-major, zero-padded past n. The same sums
/// whichever way. AVX2 and FMA.
void perceptron_gemm_block_avx2(long mc, long n, long strip_start, long strip_end, long kc, const float *a, long lda,
                                int a_transposed, const float *b, long ldb, const float *packed_b, long strip_stride,
                                float alpha, float beta, float *c, long ldc);

/// The same with strips of 32 columns and 6x32 tiles, on AVX-512.
void perceptron_gemm_block_avx512(long mc, long n, long strip_start, long strip_end, long kc, const float *a, long lda,
                                  int a_transposed, const float *b, long ldb, const float *packed_b, long strip_stride,
                                  float alpha, float beta, float *c, long ldc);

/// The portable GEMM's packing of a transposed B (stored [n, ldb]) for strips
/// [strip_start, strip_end): strip s at packed + s * strip_stride holds, for p < kc, the
/// `nr` values b[(s * nr + j) * ldb + row_start + p] (0 past n) at p * nr + j. Blocks of 8 x 8
/// transposed in registers, where a value at a time read `nr` rows 4 KB apart for each p.
/// `nr` a multiple of 8. AVX2.
void perceptron_pack_b_transposed_avx2(const float *b, long ldb, long row_start, long kc, long n, long nr,
                                       long strip_start, long strip_end, long strip_stride, float *packed);

/// acc[j] = sum over p < kc, in order, of a[p] * b[p * ldb + j] for j < n, one fused
/// multiply-add per term from 0: row 0 of either block's tiles on an unpacked B, bit for bit
/// (each lane is its own chain, so the vector width does not matter). For one-row products.
void perceptron_gemm_row_avx2(long kc, const float *a, const float *b, long ldb, long n, float *acc);

#endif
