// Register-tile kernels of the portable GEMM; see include/CPerceptronGEMMTiles.h.
//
// Both kernels keep the 6-row tile in twelve vector accumulators (two vectors per row) and,
// for each k, load one row of the B strip and broadcast six values of the A strip: twelve
// fused multiply-adds per k, enough independent chains to cover the FMA latency. The block
// functions run every tile of a block and add each to C straight from the registers. No
// contraction into fused multiply-adds outside the tiles: C is updated with the separate
// roundings the Swift kernel's path has.
#pragma STDC FP_CONTRACT OFF
#include "CPerceptronGEMMTiles.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

#define ROW_AVX2(i)                                                  \
    {                                                                \
        const __m256 ai = _mm256_broadcast_ss(A_AT(i));              \
        c[2 * (i)] = _mm256_fmadd_ps(ai, b0, c[2 * (i)]);            \
        c[2 * (i) + 1] = _mm256_fmadd_ps(ai, b1, c[2 * (i) + 1]);    \
    }

/// The 6x16 tile: c[2i], c[2i+1] = the sums over p < kc of row i of A's strip times B's
/// strip, each a chain of fused multiply-adds from 0. Row i's value of depth p is at
/// a + p * astep + o[i] (see strip_of_a); B's row p at b + p * bstride.
__attribute__((target("avx2,fma"), always_inline))
static inline void tile_6x16_avx2(long kc, const float *a, long astep, const long o[6], const float *b, long bstride,
                                    __m256 c[12]) {
    for (int v = 0; v < 12; v++) c[v] = _mm256_setzero_ps();
    const long o0 = o[0], o1 = o[1], o2 = o[2], o3 = o[3], o4 = o[4], o5 = o[5];
#define A_AT(i) (a + o##i)
    for (long p = 0; p < kc; p++) {
        const __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
        ROW_AVX2(0) ROW_AVX2(1) ROW_AVX2(2) ROW_AVX2(3) ROW_AVX2(4) ROW_AVX2(5)
        a += astep;
        b += bstride;
    }
#undef A_AT
}

/// One row of a tile added to C the way `blockKernel`'s Swift loop did it, element by element
/// and rounding for rounding: `alpha * t` (beta 0), `row + alpha * t` (beta 1), otherwise
/// `alpha * t + beta * row`. Used for the tiles cut by C's last columns.
static inline void write_row(const float *t, long width, float alpha, float beta, float *row) {
    if (beta == 0.0f) {
        for (long j = 0; j < width; j++) row[j] = alpha * t[j];
    } else if (beta == 1.0f) {
        for (long j = 0; j < width; j++) row[j] += alpha * t[j];
    } else {
        for (long j = 0; j < width; j++) row[j] = alpha * t[j] + beta * row[j];
    }
}

/// Strip `is` of A (rows i0 = 6 * is on, `height` of them) as a tile reads it: row i's value
/// of depth p at *strip + p * *step + o[i]. Packed (lda 0): strips of kc * 6 floats, k-major;
/// in place (lda > 0): A's rows (row i at a + i * lda), or with `a_transposed` its columns
/// (row i's value of depth p at a + p * lda + i). Rows past `height` repeat the last one;
/// their sums are not written.
static inline void strip_of_a(long is, long height, long kc, const float *a, long lda, int a_transposed,
                              const float **strip, long *step, long o[6]) {
    const long i0 = is * 6;
    for (long i = 0; i < 6; i++) {
        const long row = i < height ? i : height - 1;
        o[i] = lda == 0 ? i : a_transposed ? i0 + row : (i0 + row) * lda;
    }
    *strip = lda == 0 ? a + is * kc * 6 : a;
    *step = lda == 0 ? 6 : a_transposed ? lda : 1;
}

/// Strip `js` of B, `nr` wide, as a tile reads it: in place, rows ldb apart (ldb > 0 and the
/// strip whole), or packed, rows nr apart (ldb 0, or the strip cut by B's last column, which
/// would read past a row in place).
static inline void strip_of_b(long js, long nr, long width, const float *b, long ldb, const float *packed_b,
                              long strip_stride, const float **strip, long *stride) {
    if (ldb > 0 && width == nr) {
        *strip = b + js * nr;
        *stride = ldb;
    } else {
        *strip = packed_b + js * strip_stride;
        *stride = nr;
    }
}

__attribute__((target("avx2,fma"), always_inline))
static inline __m256 combine_avx2(__m256 t, const float *row, __m256 alpha, float beta) {
    const __m256 scaled = _mm256_mul_ps(alpha, t);
    if (beta == 0.0f) return scaled;
    if (beta == 1.0f) return _mm256_add_ps(_mm256_loadu_ps(row), scaled);
    return _mm256_add_ps(scaled, _mm256_mul_ps(_mm256_set1_ps(beta), _mm256_loadu_ps(row)));
}

__attribute__((target("avx2,fma")))
void perceptron_gemm_block_avx2(long mc, long n, long strip_start, long strip_end, long kc, const float *a, long lda,
                                int a_transposed, const float *b, long ldb, const float *packed_b, long strip_stride, float alpha,
                                float beta, float *c, long ldc) {
    const long strips_a = (mc + 5) / 6;
    const __m256 valpha = _mm256_set1_ps(alpha);
    for (long js = strip_start; js < strip_end; js++) {
        const long j0 = js * 16, width = n - j0 < 16 ? n - j0 : 16;
        const float *b_strip;
        long bstride;
        strip_of_b(js, 16, width, b, ldb, packed_b, strip_stride, &b_strip, &bstride);
        for (long is = 0; is < strips_a; is++) {
            const long i0 = is * 6, height = mc - i0 < 6 ? mc - i0 : 6;
            __m256 acc[12];
            const float *a_strip;
            long astep, o[6];
            strip_of_a(is, height, kc, a, lda, a_transposed, &a_strip, &astep, o);
            tile_6x16_avx2(kc, a_strip, astep, o, b_strip, bstride, acc);
            for (long i = 0; i < height; i++) {
                float *row = c + (i0 + i) * ldc + j0;
                if (width == 16) {
                    _mm256_storeu_ps(row, combine_avx2(acc[2 * i], row, valpha, beta));
                    _mm256_storeu_ps(row + 8, combine_avx2(acc[2 * i + 1], row + 8, valpha, beta));
                } else {
                    float t[16];
                    _mm256_storeu_ps(t, acc[2 * i]);
                    _mm256_storeu_ps(t + 8, acc[2 * i + 1]);
                    write_row(t, width, alpha, beta, row);
                }
            }
        }
    }
}

__attribute__((target("avx2,fma")))
void perceptron_gemm_row_avx2(long kc, const float *a, const float *b, long ldb, long n, float *acc) {
    long j = 0;
    // 64 columns at a time: eight independent chains cover the fused multiply-add's latency.
    for (; j + 64 <= n; j += 64) {
        __m256 s[8];
        for (int v = 0; v < 8; v++) s[v] = _mm256_setzero_ps();
        const float *row = b + j;
        for (long p = 0; p < kc; p++, row += ldb) {
            const __m256 x = _mm256_broadcast_ss(a + p);
            for (int v = 0; v < 8; v++) s[v] = _mm256_fmadd_ps(x, _mm256_loadu_ps(row + 8 * v), s[v]);
        }
        for (int v = 0; v < 8; v++) _mm256_storeu_ps(acc + j + 8 * v, s[v]);
    }
    for (; j + 8 <= n; j += 8) {
        __m256 s = _mm256_setzero_ps();
        for (long p = 0; p < kc; p++) s = _mm256_fmadd_ps(_mm256_broadcast_ss(a + p), _mm256_loadu_ps(b + p * ldb + j), s);
        _mm256_storeu_ps(acc + j, s);
    }
    for (; j < n; j++) {
        float s = 0.0f;
        for (long p = 0; p < kc; p++) s = __builtin_fmaf(a[p], b[p * ldb + j], s);
        acc[j] = s;
    }
}

/// Rows r[0..<8] become columns: r[q][i] = old r[i][q].
__attribute__((target("avx2"), always_inline))
static inline void transpose_8x8_avx2(__m256 r[8]) {
    const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
    const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
    const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
    const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
    const __m256 s0 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0)), s1 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2));
    const __m256 s2 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0)), s3 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2));
    const __m256 s4 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(1, 0, 1, 0)), s5 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(3, 2, 3, 2));
    const __m256 s6 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(1, 0, 1, 0)), s7 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(3, 2, 3, 2));
    r[0] = _mm256_permute2f128_ps(s0, s4, 0x20); r[1] = _mm256_permute2f128_ps(s1, s5, 0x20);
    r[2] = _mm256_permute2f128_ps(s2, s6, 0x20); r[3] = _mm256_permute2f128_ps(s3, s7, 0x20);
    r[4] = _mm256_permute2f128_ps(s0, s4, 0x31); r[5] = _mm256_permute2f128_ps(s1, s5, 0x31);
    r[6] = _mm256_permute2f128_ps(s2, s6, 0x31); r[7] = _mm256_permute2f128_ps(s3, s7, 0x31);
}

__attribute__((target("avx2")))
void perceptron_pack_b_transposed_avx2(const float *b, long ldb, long row_start, long kc, long n, long nr,
                                       long strip_start, long strip_end, long strip_stride, float *packed) {
    for (long s = strip_start; s < strip_end; s++) {
        const long j0 = s * nr, width = n - j0 < nr ? n - j0 : nr;
        float *destination = packed + s * strip_stride;
        long jb = 0;
        for (; jb + 8 <= width; jb += 8) {
            const float *source = b + (j0 + jb) * ldb + row_start;
            long p = 0;
            for (; p + 8 <= kc; p += 8) {
                __m256 r[8];
                for (int i = 0; i < 8; i++) r[i] = _mm256_loadu_ps(source + i * ldb + p);
                transpose_8x8_avx2(r);
                for (int q = 0; q < 8; q++) _mm256_storeu_ps(destination + (p + q) * nr + jb, r[q]);
            }
            for (; p < kc; p++) {
                for (int i = 0; i < 8; i++) destination[p * nr + jb + i] = source[i * ldb + p];
            }
        }
        for (; jb < nr; jb++) {
            for (long p = 0; p < kc; p++) destination[p * nr + jb] = jb < width ? b[(j0 + jb) * ldb + row_start + p] : 0.0f;
        }
    }
}

#define ROW_AVX512(i)                                                \
    {                                                                \
        const __m512 ai = _mm512_set1_ps(*A_AT(i));                  \
        c[2 * (i)] = _mm512_fmadd_ps(ai, b0, c[2 * (i)]);            \
        c[2 * (i) + 1] = _mm512_fmadd_ps(ai, b1, c[2 * (i) + 1]);    \
    }

/// The 6x32 tile, as the 6x16 one on twice the width.
__attribute__((target("avx512f"), always_inline))
static inline void tile_6x32_avx512(long kc, const float *a, long astep, const long o[6], const float *b, long bstride,
                                    __m512 c[12]) {
    for (int v = 0; v < 12; v++) c[v] = _mm512_setzero_ps();
    const long o0 = o[0], o1 = o[1], o2 = o[2], o3 = o[3], o4 = o[4], o5 = o[5];
#define A_AT(i) (a + o##i)
    for (long p = 0; p < kc; p++) {
        const __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + 16);
        ROW_AVX512(0) ROW_AVX512(1) ROW_AVX512(2) ROW_AVX512(3) ROW_AVX512(4) ROW_AVX512(5)
        a += astep;
        b += bstride;
    }
#undef A_AT
}

/// `combine_avx2` on 16 lanes, the lanes past `mask` neither read nor written.
__attribute__((target("avx512f"), always_inline))
static inline void write_avx512(__m512 t, float *row, __mmask16 mask, __m512 alpha, float beta) {
    const __m512 scaled = _mm512_mul_ps(alpha, t);
    __m512 out;
    if (beta == 0.0f) {
        out = scaled;
    } else if (beta == 1.0f) {
        out = _mm512_add_ps(_mm512_maskz_loadu_ps(mask, row), scaled);
    } else {
        out = _mm512_add_ps(scaled, _mm512_mul_ps(_mm512_set1_ps(beta), _mm512_maskz_loadu_ps(mask, row)));
    }
    _mm512_mask_storeu_ps(row, mask, out);
}

__attribute__((target("avx512f")))
void perceptron_gemm_block_avx512(long mc, long n, long strip_start, long strip_end, long kc, const float *a, long lda,
                                  int a_transposed, const float *b, long ldb, const float *packed_b, long strip_stride, float alpha,
                                  float beta, float *c, long ldc) {
    const long strips_a = (mc + 5) / 6;
    const __m512 valpha = _mm512_set1_ps(alpha);
    for (long js = strip_start; js < strip_end; js++) {
        const long j0 = js * 32, width = n - j0 < 32 ? n - j0 : 32;
        const __mmask16 low = width >= 16 ? 0xFFFF : (__mmask16)((1u << width) - 1);
        const __mmask16 high = width <= 16 ? 0 : width >= 32 ? 0xFFFF : (__mmask16)((1u << (width - 16)) - 1);
        const float *b_strip;
        long bstride;
        strip_of_b(js, 32, width, b, ldb, packed_b, strip_stride, &b_strip, &bstride);
        for (long is = 0; is < strips_a; is++) {
            const long i0 = is * 6, height = mc - i0 < 6 ? mc - i0 : 6;
            __m512 acc[12];
            const float *a_strip;
            long astep, o[6];
            strip_of_a(is, height, kc, a, lda, a_transposed, &a_strip, &astep, o);
            tile_6x32_avx512(kc, a_strip, astep, o, b_strip, bstride, acc);
            for (long i = 0; i < height; i++) {
                float *row = c + (i0 + i) * ldc + j0;
                write_avx512(acc[2 * i], row, low, valpha, beta);
                if (high) write_avx512(acc[2 * i + 1], row + 16, high, valpha, beta);
            }
        }
    }
}

#else
#include <stdlib.h>

// No such instruction sets here: perceptron_vector_units() reports none, so these are never called.
void perceptron_gemm_block_avx2(long mc, long n, long strip_start, long strip_end, long kc, const float *a, long lda,
                                int a_transposed, const float *b, long ldb, const float *packed_b, long strip_stride, float alpha,
                                float beta, float *c, long ldc) {
    (void)mc; (void)n; (void)strip_start; (void)strip_end; (void)kc; (void)a; (void)lda; (void)a_transposed; (void)b;
    (void)ldb; (void)packed_b; (void)strip_stride; (void)alpha; (void)beta; (void)c; (void)ldc;
    abort();
}
void perceptron_gemm_row_avx2(long kc, const float *a, const float *b, long ldb, long n, float *acc) {
    (void)kc; (void)a; (void)b; (void)ldb; (void)n; (void)acc;
    abort();
}
void perceptron_pack_b_transposed_avx2(const float *b, long ldb, long row_start, long kc, long n, long nr,
                                       long strip_start, long strip_end, long strip_stride, float *packed) {
    (void)b; (void)ldb; (void)row_start; (void)kc; (void)n; (void)nr; (void)strip_start; (void)strip_end;
    (void)strip_stride; (void)packed;
    abort();
}
void perceptron_gemm_block_avx512(long mc, long n, long strip_start, long strip_end, long kc, const float *a, long lda,
                                  int a_transposed, const float *b, long ldb, const float *packed_b, long strip_stride, float alpha,
                                  float beta, float *c, long ldc) {
    (void)mc; (void)n; (void)strip_start; (void)strip_end; (void)kc; (void)a; (void)lda; (void)a_transposed; (void)b;
    (void)ldb; (void)packed_b; (void)strip_stride; (void)alpha; (void)beta; (void)c; (void)ldc;
    abort();
}
#endif
