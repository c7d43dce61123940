// A direct convolution on AVX-512 and on AVX2; see include/CPerceptronConvolution.h.
//
// im2col copies every window of the image into a row (9 copies of each value for a 3x3
// window), and a GEMM then reads the rows back. Here a 4 x 64 tile of the output (4 positions
// along a row of the image, 64 filters) stays in 16 of the 32 registers while the window's
// values are read from the image itself: for each (kh, kw, c), one 64-wide row of the weights
// (four loads) and the 4 positions' values (four broadcasts) feed 16 multiply-adds. The image
// (21 KB for the lesson's second convolution) stays in L1 and the weights (72 KB) in L2.
// Each output is the same chain of fused multiply-adds, in the same order, as the one-block
// GEMM of the unfolded windows, then the bias: the same bits as that path on OpenBLAS. The
// AVX2 kernels do the same sums over tiles of 6 positions (4 channels) by 16 filters, so both
// units give the same bits.
//
// The input gradient goes the other way: a tile of up to 8 positions along a row by 32
// channels (AVX2: 6 by 16) forms each window tap's contribution, a chain of multiply-adds over
// the filters, from 0, as the GEMM of dz by wᵀ forms it, and adds it to the cells it reaches
// straight away, with no unfolded gradient in between and nothing to fold. Tiles go in order of
// position and taps kw-descending within a tile, so each cell sums its contributions in the
// order of `Im2Col.fold`: the same bits as GEMM then fold.
#include "CPerceptronConvolution.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#include <stdlib.h>
#include <string.h>

// TILE(R) with R the constant equal to n, for n up to 4, 6 or 8 (anything below 2 takes 1):
// each tile is compiled for its size, its registers counted at compile time.
#define UP_TO_4(n, TILE) switch (n) { case 4: TILE(4); break; case 3: TILE(3); break; case 2: TILE(2); break; default: TILE(1); break; }
#define UP_TO_6(n, TILE) switch (n) { case 6: TILE(6); break; case 5: TILE(5); break; default: UP_TO_4(n, TILE) }
#define UP_TO_8(n, TILE) switch (n) { case 8: TILE(8); break; case 7: TILE(7); break; default: UP_TO_6(n, TILE) }

/// R (1 to 4) positions x 64 filters, from f0. x points at the first position's window
/// corner, out at its first output; positions are `channels` floats apart in x, `filters` in out.
static inline __attribute__((always_inline, target("avx512f")))
void direct_tile(const int R, const float *x, long width, long channels, long windowHeight, long windowWidth,
                 const float *w, long filters, long f0, const float *bias, int relu, float *out) {
    __m512 acc[4][4];
    for (int r = 0; r < R; r++) {
        for (int v = 0; v < 4; v++) acc[r][v] = _mm512_setzero_ps();
    }
    for (long kh = 0; kh < windowHeight; kh++) {
        for (long kw = 0; kw < windowWidth; kw++) {
            const float *image = x + (kh * width + kw) * channels;
            const float *weights = w + (kh * windowWidth + kw) * channels * filters + f0;
            for (long c = 0; c < channels; c++, weights += filters) {
                const __m512 b0 = _mm512_loadu_ps(weights), b1 = _mm512_loadu_ps(weights + 16);
                const __m512 b2 = _mm512_loadu_ps(weights + 32), b3 = _mm512_loadu_ps(weights + 48);
                for (int r = 0; r < R; r++) {
                    const __m512 a = _mm512_set1_ps(image[r * channels + c]);
                    acc[r][0] = _mm512_fmadd_ps(a, b0, acc[r][0]);
                    acc[r][1] = _mm512_fmadd_ps(a, b1, acc[r][1]);
                    acc[r][2] = _mm512_fmadd_ps(a, b2, acc[r][2]);
                    acc[r][3] = _mm512_fmadd_ps(a, b3, acc[r][3]);
                }
            }
        }
    }
    const __m512 zero = _mm512_setzero_ps();
    for (int r = 0; r < R; r++) {
        for (int v = 0; v < 4; v++) {
            __m512 s = acc[r][v];
            if (bias) s = _mm512_add_ps(s, _mm512_loadu_ps(bias + f0 + 16 * v));
            else if (relu) s = _mm512_add_ps(s, zero); // -0 reads as +0, as on the GEMM path
            if (relu) s = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(s, zero, _CMP_NLT_UQ), s);
            _mm512_storeu_ps(out + r * filters + 16 * v, s);
        }
    }
}

/// What a forward tile needs besides where it is: the kernel, the bias and the shapes.
typedef struct {
    const float *w, *bias;
    long width, channels, windowHeight, windowWidth, filters;
    int relu;
} DirectShape;

/// One forward tile: `positions` output positions along a row (1 to the unit's widest) from the
/// window corner `corner`, filters from f0 (as many as the unit takes at once), into `target`.
typedef void (*DirectTile)(long positions, const float *corner, long f0, float *target, const DirectShape *shape);

/// The forward of the images [first, last), the same for both units: each output row in tiles
/// of `widest` positions (the last one shorter), each tile over the filters `step` at a time.
static void direct_images(DirectTile tile, long widest, long step, const float *x, long first, long last, long height,
                          const DirectShape *shape, float *out) {
    const long width = shape->width, channels = shape->channels, filters = shape->filters;
    const long outputHeight = height - shape->windowHeight + 1, outputWidth = width - shape->windowWidth + 1;
    for (long i = first; i < last; i++) {
        const float *image = x + i * height * width * channels;
        float *maps = out + i * outputHeight * outputWidth * filters;
        for (long oh = 0; oh < outputHeight; oh++) {
            for (long ow = 0; ow < outputWidth; ow += widest) {
                const long positions = outputWidth - ow < widest ? outputWidth - ow : widest;
                for (long f0 = 0; f0 < filters; f0 += step) {
                    tile(positions, image + (oh * width + ow) * channels, f0, maps + (oh * outputWidth + ow) * filters + f0, shape);
                }
            }
        }
    }
}

/// `direct_tile` for 1 to 4 positions.
__attribute__((target("avx512f")))
static void direct_tile_avx512(long positions, const float *corner, long f0, float *target, const DirectShape *s) {
#define TILE(R) direct_tile(R, corner, s->width, s->channels, s->windowHeight, s->windowWidth, s->w, s->filters, f0, s->bias, s->relu, target)
    UP_TO_4(positions, TILE);
#undef TILE
}

void perceptron_convolution_direct_avx512(const float *x, long first, long last, long height, long width, long channels,
                                          long windowHeight, long windowWidth, const float *w, long filters,
                                          const float *bias, int relu, float *out) {
    const DirectShape shape = {w, bias, width, channels, windowHeight, windowWidth, filters, relu};
    direct_images(direct_tile_avx512, 4, 64, x, first, last, height, &shape, out);
}

/// One work item of the kernel gradient (see the header): 4 channels (fewer at the end) of one
/// window tap by 64 filters, located in an image and in dw.
typedef struct {
    const float *corner; // the image's value at the tap's offset, first channel of the item
    float *target;       // dw's row for that channel, filter 0
    long filter;         // the first of the item's 64 filters
    long channels;       // 1 to 4
} GradientItem;

static inline GradientItem gradient_item(long item, const float *image, long width, long channels, long windowWidth,
                                         long filters, float *dw) {
    const long tiles = (channels + 3) / 4, panels = filters / 64;
    const long panel = item % panels, tile = item / panels % tiles, tap = item / panels / tiles;
    const long kh = tap / windowWidth, kw = tap % windowWidth, c0 = tile * 4;
    const GradientItem result = {image + (kh * width + kw) * channels + c0, dw + (tap * channels + c0) * filters,
                                 panel * 64, channels - c0 < 4 ? channels - c0 : 4};
    return result;
}

/// R (1 to 4) rows of the kernel gradient (channels c0 ..< c0 + R of one window tap) x 64
/// filters from f0, over one image: each a chain of fused multiply-adds from 0 over the
/// image's output positions in order, then added to dw. `x` points at the image's first
/// value for the tap (its corner shifted by (kh, kw), channel c0), `dz` at the image's output
/// gradient.
static inline __attribute__((always_inline, target("avx512f")))
void gradient_tile(const int R, const float *x, long width, long channels, long outputHeight, long outputWidth,
                   const float *dz, long filters, long f0, float *dw) {
    __m512 acc[4][4];
    for (int r = 0; r < R; r++) {
        for (int v = 0; v < 4; v++) acc[r][v] = _mm512_setzero_ps();
    }
    for (long oh = 0; oh < outputHeight; oh++) {
        const float *row = x + oh * width * channels;
        const float *gradient = dz + oh * outputWidth * filters + f0;
        for (long ow = 0; ow < outputWidth; ow++, row += channels, gradient += filters) {
            const __m512 b0 = _mm512_loadu_ps(gradient), b1 = _mm512_loadu_ps(gradient + 16);
            const __m512 b2 = _mm512_loadu_ps(gradient + 32), b3 = _mm512_loadu_ps(gradient + 48);
            for (int r = 0; r < R; r++) {
                const __m512 a = _mm512_set1_ps(row[r]);
                acc[r][0] = _mm512_fmadd_ps(a, b0, acc[r][0]);
                acc[r][1] = _mm512_fmadd_ps(a, b1, acc[r][1]);
                acc[r][2] = _mm512_fmadd_ps(a, b2, acc[r][2]);
                acc[r][3] = _mm512_fmadd_ps(a, b3, acc[r][3]);
            }
        }
    }
    for (int r = 0; r < R; r++) {
        for (int v = 0; v < 4; v++) {
            float *target = dw + r * filters + f0 + 16 * v;
            _mm512_storeu_ps(target, _mm512_add_ps(_mm512_loadu_ps(target), acc[r][v]));
        }
    }
}

/// What a kernel-gradient tile needs besides its item: the image's output gradient and the shapes.
typedef struct {
    long width, channels, outputHeight, outputWidth, filters;
} GradientShape;

/// One work item over one image (`gradient` the image's output gradient).
typedef void (*GradientTile)(const GradientItem *item, const float *gradient, const GradientShape *shape);

/// The kernel gradient of the images [0, images) for the work items [first, last), the same for
/// both units: image after image, each item's tile adding the image's sums to dw.
static void kernel_gradient_images(GradientTile tile, const float *x, const float *dz, long images, long height,
                                   long windowWidth, long first, long last, const GradientShape *shape, float *dw) {
    const long width = shape->width, channels = shape->channels, filters = shape->filters;
    for (long i = 0; i < images; i++) {
        const float *image = x + i * height * width * channels;
        const float *gradient = dz + i * shape->outputHeight * shape->outputWidth * filters;
        for (long item = first; item < last; item++) {
            const GradientItem it = gradient_item(item, image, width, channels, windowWidth, filters, dw);
            tile(&it, gradient, shape);
        }
    }
}

/// `gradient_tile` for the item's 1 to 4 channels and its 64 filters.
__attribute__((target("avx512f")))
static void gradient_tile_avx512(const GradientItem *it, const float *gradient, const GradientShape *s) {
#define TILE(R) gradient_tile(R, it->corner, s->width, s->channels, s->outputHeight, s->outputWidth, gradient, s->filters, it->filter, it->target)
    UP_TO_4(it->channels, TILE);
#undef TILE
}

void perceptron_convolution_kernel_gradient_avx512(const float *x, const float *dz, long images, long height, long width,
                                                   long channels, long windowHeight, long windowWidth, long filters,
                                                   long first, long last, float *dw) {
    const GradientShape shape = {width, channels, height - windowHeight + 1, width - windowWidth + 1, filters};
    kernel_gradient_images(gradient_tile_avx512, x, dz, images, height, windowWidth, first, last, &shape, dw);
}

/// R (1 to 8) output positions along a row x V (1 or 2) vectors of 16 channels from c0: each
/// tap's contributions (chains of fused multiply-adds over the filters, from 0) added to the
/// cells they reach. `dz` points at the first position's gradient, `dx` at its window corner
/// in the image's gradient. Taps go kh by kh, kw descending, so a cell that two positions of the
/// tile reach (the same kh, kw apart) gets the earlier position's contribution first: with the
/// tiles in order of position, every cell's contributions arrive in order of position, as
/// in the fold.
static inline __attribute__((always_inline, target("avx512f")))
void input_gradient_tile(const int R, const int V, const float *dz, long filters, const float *wt, long channels,
                         long c0, long width, long windowHeight, long windowWidth, float *dx) {
    for (long kh = 0; kh < windowHeight; kh++) {
        for (long kw = windowWidth - 1; kw >= 0; kw--) {
            __m512 acc[8][2];
            for (int r = 0; r < R; r++) {
                for (int v = 0; v < V; v++) acc[r][v] = _mm512_setzero_ps();
            }
            const float *weights = wt + (kh * windowWidth + kw) * filters * channels + c0;
            for (long f = 0; f < filters; f++, weights += channels) {
                const __m512 b0 = _mm512_loadu_ps(weights);
                const __m512 b1 = V == 2 ? _mm512_loadu_ps(weights + 16) : b0;
                for (int r = 0; r < R; r++) {
                    const __m512 a = _mm512_set1_ps(dz[r * filters + f]);
                    acc[r][0] = _mm512_fmadd_ps(a, b0, acc[r][0]);
                    if (V == 2) acc[r][1] = _mm512_fmadd_ps(a, b1, acc[r][1]);
                }
            }
            for (int r = 0; r < R; r++) {
                float *target = dx + (kh * width + kw + r) * channels + c0;
                for (int v = 0; v < V; v++) {
                    _mm512_storeu_ps(target + 16 * v, _mm512_add_ps(_mm512_loadu_ps(target + 16 * v), acc[r][v]));
                }
            }
        }
    }
}

/// What an input-gradient tile needs besides where it is: the kernel transposed per tap and the shapes.
typedef struct {
    const float *wt;
    long width, channels, windowHeight, windowWidth, filters;
} InputGradientShape;

/// One tile of `positions` output positions (1 to the unit's widest) whose gradient starts at
/// `rows`, channels from c0 (as many as the unit takes at once, fewer at the end), adding into
/// the cells from `corner` (the first position's window corner, channel 0).
typedef void (*InputGradientTile)(long positions, const float *rows, long c0, float *corner, const InputGradientShape *shape);

/// The input gradient of the images [first, last), the same for both units: each image's
/// gradient cleared, then each output row in tiles of at most `widest` positions (their sizes
/// as even as possible) in order of position, each tile over the channels `step` at a time.
static void input_gradient_images(InputGradientTile tile, long widest, long step, const float *dz, long first, long last,
                                  long height, const InputGradientShape *shape, float *dx) {
    const long width = shape->width, channels = shape->channels, filters = shape->filters;
    const long outputHeight = height - shape->windowHeight + 1, outputWidth = width - shape->windowWidth + 1;
    const long tiles = (outputWidth + widest - 1) / widest;
    for (long i = first; i < last; i++) {
        float *image = dx + i * height * width * channels;
        const float *gradient = dz + i * outputHeight * outputWidth * filters;
        memset(image, 0, sizeof(float) * (size_t)(height * width * channels));
        for (long oh = 0; oh < outputHeight; oh++) {
            for (long t = 0; t < tiles; t++) {
                const long ow = outputWidth * t / tiles, positions = outputWidth * (t + 1) / tiles - ow;
                for (long c0 = 0; c0 < channels; c0 += step) {
                    tile(positions, gradient + (oh * outputWidth + ow) * filters, c0, image + (oh * width + ow) * channels, shape);
                }
            }
        }
    }
}

/// `input_gradient_tile` for 1 to 8 positions and the channels left from c0 (32, or 16 at the end).
__attribute__((target("avx512f")))
static void input_gradient_tile_avx512(long positions, const float *rows, long c0, float *corner,
                                       const InputGradientShape *s) {
    const int vectors = s->channels - c0 >= 32 ? 2 : 1;
#define TILE(R) do { \
    if (vectors == 2) input_gradient_tile(R, 2, rows, s->filters, s->wt, s->channels, c0, s->width, s->windowHeight, s->windowWidth, corner); \
    else input_gradient_tile(R, 1, rows, s->filters, s->wt, s->channels, c0, s->width, s->windowHeight, s->windowWidth, corner); \
} while (0)
    UP_TO_8(positions, TILE);
#undef TILE
}

void perceptron_convolution_input_gradient_avx512(const float *dz, long first, long last, long height, long width,
                                                  long channels, long windowHeight, long windowWidth, const float *wt,
                                                  long filters, float *dx) {
    const InputGradientShape shape = {wt, width, channels, windowHeight, windowWidth, filters};
    input_gradient_images(input_gradient_tile_avx512, 8, 32, dz, first, last, height, &shape, dx);
}

/// The AVX2 forward's tile: R (1 to 6) positions x 16 filters from f0 in 2R registers; the
/// same sums as `direct_tile`, lane for lane.
static inline __attribute__((always_inline, target("avx2,fma")))
void direct_tile_avx2(const int R, const float *x, long width, long channels, long windowHeight, long windowWidth,
                      const float *w, long filters, long f0, const float *bias, int relu, float *out) {
    __m256 acc[6][2];
    for (int r = 0; r < R; r++) acc[r][0] = acc[r][1] = _mm256_setzero_ps();
    for (long kh = 0; kh < windowHeight; kh++) {
        for (long kw = 0; kw < windowWidth; kw++) {
            const float *image = x + (kh * width + kw) * channels;
            const float *weights = w + (kh * windowWidth + kw) * channels * filters + f0;
            for (long c = 0; c < channels; c++, weights += filters) {
                const __m256 b0 = _mm256_loadu_ps(weights), b1 = _mm256_loadu_ps(weights + 8);
                for (int r = 0; r < R; r++) {
                    const __m256 a = _mm256_broadcast_ss(image + r * channels + c);
                    acc[r][0] = _mm256_fmadd_ps(a, b0, acc[r][0]);
                    acc[r][1] = _mm256_fmadd_ps(a, b1, acc[r][1]);
                }
            }
        }
    }
    const __m256 zero = _mm256_setzero_ps();
    for (int r = 0; r < R; r++) {
        for (int v = 0; v < 2; v++) {
            __m256 s = acc[r][v];
            if (bias) s = _mm256_add_ps(s, _mm256_loadu_ps(bias + f0 + 8 * v));
            else if (relu) s = _mm256_add_ps(s, zero);
            if (relu) s = _mm256_andnot_ps(_mm256_cmp_ps(s, zero, _CMP_LT_OQ), s);
            _mm256_storeu_ps(out + r * filters + 8 * v, s);
        }
    }
}

/// `direct_tile_avx2` for 1 to 6 positions.
__attribute__((target("avx2,fma")))
static void direct_tile_avx2_any(long positions, const float *corner, long f0, float *target, const DirectShape *s) {
#define TILE(R) direct_tile_avx2(R, corner, s->width, s->channels, s->windowHeight, s->windowWidth, s->w, s->filters, f0, s->bias, s->relu, target)
    UP_TO_6(positions, TILE);
#undef TILE
}

void perceptron_convolution_direct_avx2(const float *x, long first, long last, long height, long width, long channels,
                                        long windowHeight, long windowWidth, const float *w, long filters,
                                        const float *bias, int relu, float *out) {
    const DirectShape shape = {w, bias, width, channels, windowHeight, windowWidth, filters, relu};
    direct_images(direct_tile_avx2_any, 6, 16, x, first, last, height, &shape, out);
}

/// The AVX2 kernel gradient's tile: R (1 to 4) channels x 16 filters in 2R registers; the
/// same sums as `gradient_tile`, lane for lane.
static inline __attribute__((always_inline, target("avx2,fma")))
void gradient_tile_avx2(const int R, const float *x, long width, long channels, long outputHeight, long outputWidth,
                        const float *dz, long filters, long f0, float *dw) {
    __m256 acc[4][2];
    for (int r = 0; r < R; r++) acc[r][0] = acc[r][1] = _mm256_setzero_ps();
    for (long oh = 0; oh < outputHeight; oh++) {
        const float *row = x + oh * width * channels;
        const float *gradient = dz + oh * outputWidth * filters + f0;
        for (long ow = 0; ow < outputWidth; ow++, row += channels, gradient += filters) {
            const __m256 b0 = _mm256_loadu_ps(gradient), b1 = _mm256_loadu_ps(gradient + 8);
            for (int r = 0; r < R; r++) {
                const __m256 a = _mm256_broadcast_ss(row + r);
                acc[r][0] = _mm256_fmadd_ps(a, b0, acc[r][0]);
                acc[r][1] = _mm256_fmadd_ps(a, b1, acc[r][1]);
            }
        }
    }
    for (int r = 0; r < R; r++) {
        for (int v = 0; v < 2; v++) {
            float *target = dw + r * filters + f0 + 8 * v;
            _mm256_storeu_ps(target, _mm256_add_ps(_mm256_loadu_ps(target), acc[r][v]));
        }
    }
}

/// `gradient_tile_avx2` for the item's 1 to 4 channels, its 64 filters as four 16-wide slices.
__attribute__((target("avx2,fma")))
static void gradient_tile_avx2_any(const GradientItem *it, const float *gradient, const GradientShape *s) {
    for (long f0 = it->filter; f0 < it->filter + 64; f0 += 16) {
#define TILE(R) gradient_tile_avx2(R, it->corner, s->width, s->channels, s->outputHeight, s->outputWidth, gradient, s->filters, f0, it->target)
        UP_TO_4(it->channels, TILE);
#undef TILE
    }
}

void perceptron_convolution_kernel_gradient_avx2(const float *x, const float *dz, long images, long height, long width,
                                                 long channels, long windowHeight, long windowWidth, long filters,
                                                 long first, long last, float *dw) {
    const GradientShape shape = {width, channels, height - windowHeight + 1, width - windowWidth + 1, filters};
    kernel_gradient_images(gradient_tile_avx2_any, x, dz, images, height, windowWidth, first, last, &shape, dw);
}

/// The AVX2 input gradient's tile: R (1 to 6) positions x 16 channels from c0 in 2R registers;
/// the same sums, in the same order, as `input_gradient_tile`.
static inline __attribute__((always_inline, target("avx2,fma")))
void input_gradient_tile_avx2(const int R, const float *dz, long filters, const float *wt, long channels, long c0,
                              long width, long windowHeight, long windowWidth, float *dx) {
    for (long kh = 0; kh < windowHeight; kh++) {
        for (long kw = windowWidth - 1; kw >= 0; kw--) {
            __m256 acc[6][2];
            for (int r = 0; r < R; r++) acc[r][0] = acc[r][1] = _mm256_setzero_ps();
            const float *weights = wt + (kh * windowWidth + kw) * filters * channels + c0;
            for (long f = 0; f < filters; f++, weights += channels) {
                const __m256 b0 = _mm256_loadu_ps(weights), b1 = _mm256_loadu_ps(weights + 8);
                for (int r = 0; r < R; r++) {
                    const __m256 a = _mm256_broadcast_ss(dz + r * filters + f);
                    acc[r][0] = _mm256_fmadd_ps(a, b0, acc[r][0]);
                    acc[r][1] = _mm256_fmadd_ps(a, b1, acc[r][1]);
                }
            }
            for (int r = 0; r < R; r++) {
                float *target = dx + (kh * width + kw + r) * channels + c0;
                for (int v = 0; v < 2; v++) {
                    _mm256_storeu_ps(target + 8 * v, _mm256_add_ps(_mm256_loadu_ps(target + 8 * v), acc[r][v]));
                }
            }
        }
    }
}

/// `input_gradient_tile_avx2` for 1 to 6 positions and 16 channels from c0.
__attribute__((target("avx2,fma")))
static void input_gradient_tile_avx2_any(long positions, const float *rows, long c0, float *corner,
                                         const InputGradientShape *s) {
#define TILE(R) input_gradient_tile_avx2(R, rows, s->filters, s->wt, s->channels, c0, s->width, s->windowHeight, s->windowWidth, corner)
    UP_TO_6(positions, TILE);
#undef TILE
}

void perceptron_convolution_input_gradient_avx2(const float *dz, long first, long last, long height, long width,
                                                long channels, long windowHeight, long windowWidth, const float *wt,
                                                long filters, float *dx) {
    const InputGradientShape shape = {wt, width, channels, windowHeight, windowWidth, filters};
    input_gradient_images(input_gradient_tile_avx2_any, 6, 16, dz, first, last, height, &shape, dx);
}

#else
#include <stdlib.h>

// No AVX-512 here: perceptron_vector_units() reports none, so this is never called.
void perceptron_convolution_direct_avx512(const float *x, long first, long last, long height, long width, long channels,
                                          long windowHeight, long windowWidth, const float *w, long filters,
                                          const float *bias, int relu, float *out) {
    (void)x; (void)first; (void)last; (void)height; (void)width; (void)channels; (void)windowHeight; (void)windowWidth;
    (void)w; (void)filters; (void)bias; (void)relu; (void)out;
    abort();
}
void perceptron_convolution_kernel_gradient_avx512(const float *x, const float *dz, long images, long height, long width,
                                                   long channels, long windowHeight, long windowWidth, long filters,
                                                   long first, long last, float *dw) {
    (void)x; (void)dz; (void)images; (void)height; (void)width; (void)channels; (void)windowHeight; (void)windowWidth;
    (void)filters; (void)first; (void)last; (void)dw;
    abort();
}
void perceptron_convolution_direct_avx2(const float *x, long first, long last, long height, long width, long channels,
                                        long windowHeight, long windowWidth, const float *w, long filters,
                                        const float *bias, int relu, float *out) {
    (void)x; (void)first; (void)last; (void)height; (void)width; (void)channels; (void)windowHeight; (void)windowWidth;
    (void)w; (void)filters; (void)bias; (void)relu; (void)out;
    abort();
}
void perceptron_convolution_kernel_gradient_avx2(const float *x, const float *dz, long images, long height, long width,
                                                 long channels, long windowHeight, long windowWidth, long filters,
                                                 long first, long last, float *dw) {
    (void)x; (void)dz; (void)images; (void)height; (void)width; (void)channels; (void)windowHeight; (void)windowWidth;
    (void)filters; (void)first; (void)last; (void)dw;
    abort();
}
void perceptron_convolution_input_gradient_avx512(const float *dz, long first, long last, long height, long width,
                                                  long channels, long windowHeight, long windowWidth, const float *wt,
                                                  long filters, float *dx) {
    (void)dz; (void)first; (void)last; (void)height; (void)width; (void)channels; (void)windowHeight; (void)windowWidth;
    (void)wt; (void)filters; (void)dx;
    abort();
}
void perceptron_convolution_input_gradient_avx2(const float *dz, long first, long last, long height, long width,
                                                long channels, long windowHeight, long windowWidth, const float *wt,
                                                long filters, float *dx) {
    (void)dz; (void)first; (void)last; (void)height; (void)width; (void)channels; (void)windowHeight; (void)windowWidth;
    (void)wt; (void)filters; (void)dx;
    abort();
}
#endif
