// Floating-point control of the calling thread: flush subnormal numbers to zero, as
// TensorFlow's thread pools do, so that training does not slow down when gradients become tiny.
#ifndef CPERCEPTRON_CPU_H
#define CPERCEPTRON_CPU_H

/// Sets (on != 0) or clears flush-to-zero and denormals-are-zero for the calling thread.
/// x86-64: MXCSR bits FTZ (15) and DAZ (6). arm64: FPCR bit FZ (24). Elsewhere: no effect.
void perceptron_set_flush_denormals(int on);

/// Whether flush-to-zero is set for the calling thread.
int perceptron_flush_denormals(void);


#include "CPerceptronGEMMTiles.h"

#endif
