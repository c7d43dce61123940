// A direct convolution on AVX-512 and on AVX2: each output computed straight from the image,
// with no unfolded windows in between (see convolution.c).
#ifndef CPERCEPTRON_CONVOLUTION_H
#define CPERCEPTRON_CONVOLUTION_H

/// For the images [first, last) of x ([N, H, W, C], channels last), a convolution with a
/// window of KH x KW, stride 1 and no padding ("valid"), `filters` output channels (a
/// multiple of 64):
///     out[i, oh, ow, f] = (sum over kh, kw, c, in that order, of
///                          x[i, oh + kh, ow + kw, c] * w[(kh * KW + kw) * C + c, f]) + bias[f]
/// the sum a chain of fused multiply-adds from 0 (as a GEMM of the unfolded windows forms each
/// output), then bias added (0 when NULL and `relu`, nothing when NULL otherwise), then
/// max(0, .) as "0 where below 0" when `relu`. out is [N, H - KH + 1, W - KW + 1, filters].
void perceptron_convolution_direct_avx512(const float *x, long first, long last, long height, long width, long channels,
                                          long windowHeight, long windowWidth, const float *w, long filters,
                                          const float *bias, int relu, float *out);

/// The kernel gradient of that convolution over the images [0, images) of x and their output
/// gradient dz ([N, OH, OW, filters]): for the work items [first, last) of
/// KH KW ceil(C / 4) (filters / 64), each 4 channels (fewer at the end) of one window tap by
/// 64 filters,
///     dw[(kh * KW + kw) * C + c, f] += sum over (oh, ow), in order, of x[i, oh + kh, ow + kw, c] dz[i, oh, ow, f]
/// image after image: each image's sum a chain of fused multiply-adds from 0, then added to dw.
/// The items touch disjoint rows of dw, so threads may take disjoint ranges of them.
void perceptron_convolution_kernel_gradient_avx512(const float *x, const float *dz, long images, long height, long width,
                                                   long channels, long windowHeight, long windowWidth, long filters,
                                                   long first, long last, float *dw);

/// The input gradient of that convolution for the images [first, last) of dz ([N, OH, OW, filters]):
///     dx[i, h, w, c] = +0 + the contributions of the output positions (oh, ow) whose window
///                      covers (h, w), in order of position (oh, then ow), each
///                      (sum over f, in order, of dz[i, oh, ow, f] * w[((h - oh) * KW + (w - ow)) * C + c, f])
/// each contribution a chain of fused multiply-adds from 0: what a one-block GEMM of dz by wᵀ
/// gives, folded back into dx position after position (`Im2Col.fold`). `wt` is the kernel
/// transposed tap by tap, wt[(tap * filters + f) * C + c] = w[tap * C + c, f]; `channels` a
/// multiple of 16. dx is [N, H, W, C]; the images [first, last) are written whole.
void perceptron_convolution_input_gradient_avx512(const float *dz, long first, long last, long height, long width,
                                                  long channels, long windowHeight, long windowWidth, const float *wt,
                                                  long filters, float *dx);

/// `perceptron_convolution_direct_avx512` on AVX2 and FMA: the same sums, bit for bit.
void perceptron_convolution_direct_avx2(const float *x, long first, long last, long height, long width, long channels,
                                        long windowHeight, long windowWidth, const float *w, long filters,
                                        const float *bias, int relu, float *out);

/// `perceptron_convolution_kernel_gradient_avx512` on AVX2 and FMA: the same items and sums,
/// bit for bit.
void perceptron_convolution_kernel_gradient_avx2(const float *x, const float *dz, long images, long height, long width,
                                                 long channels, long windowHeight, long windowWidth, long filters,
                                                 long first, long last, float *dw);

/// `perceptron_convolution_input_gradient_avx512` on AVX2 and FMA: the same sums, bit for bit.
void perceptron_convolution_input_gradient_avx2(const float *dz, long first, long last, long height, long width,
                                                long channels, long windowHeight, long windowWidth, const float *wt,
                                                long filters, float *dx);

#endif
