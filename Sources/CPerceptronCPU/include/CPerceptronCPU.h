// Floating-point control of the calling thread: flush subnormal numbers to zero, as
// TensorFlow's thread pools do, so that training does not slow down when gradients become tiny.
// The vector units of the CPU, and the kernels written for the wider ones.
#ifndef CPERCEPTRON_CPU_H
#define CPERCEPTRON_CPU_H

/// Sets (on != 0) or clears flush-to-zero and denormals-are-zero for the calling thread.
/// x86-64: MXCSR bits FTZ (15) and DAZ (6). arm64: FPCR bit FZ (24). Elsewhere: no effect.
void perceptron_set_flush_denormals(int on);

/// Whether flush-to-zero is set for the calling thread.
int perceptron_flush_denormals(void);


/// Bit set in perceptron_vector_units() when AVX2 and FMA can be used.
#define PERCEPTRON_VECTOR_AVX2_FMA 1
/// Bit set when AVX-512 (foundation) can be used.
#define PERCEPTRON_VECTOR_AVX512 2

/// The vector units this CPU and operating system support (0 off x86-64): CPUID for the
/// instruction sets, XGETBV for the operating system saving the wider registers. Kernels
/// compiled for AVX2 or AVX-512 (a function attribute, not a compiler flag) are called only
/// when this reports their unit.
int perceptron_vector_units(void);

/// Whether this CPU has AVX-512 but executes each 512-bit operation on 256-bit units (AMD's
/// Zen 4, family 0x19), so 16-lane kernels do no more multiply-adds per cycle than 8-lane
/// ones. 0 without AVX-512 or off x86-64.
int perceptron_avx512_is_half_width(void);

#include "CPerceptronAdam.h"
#include "CPerceptronConvolution.h"
#include "CPerceptronElementwise.h"
#include "CPerceptronGEMMTiles.h"
#include "CPerceptronInterrupt.h"
#include "CPerceptronPool.h"
#include "CPerceptronPooling.h"
#include "CPerceptronSmallGEMM.h"
#include "CPerceptronSparse.h"

#endif
