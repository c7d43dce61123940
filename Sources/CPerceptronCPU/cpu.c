// Floating-point control of the calling thread; see include/CPerceptronCPU.h. The GEMM
// micro-kernels are in gemm_tiles.c.
#include "CPerceptronCPU.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <xmmintrin.h>
#define FTZ_DAZ 0x8040u

void perceptron_set_flush_denormals(int on) {
    unsigned int csr = _mm_getcsr();
    _mm_setcsr(on ? (csr | FTZ_DAZ) : (csr & ~FTZ_DAZ));
}

int perceptron_flush_denormals(void) { return (_mm_getcsr() & FTZ_DAZ) == FTZ_DAZ; }

#elif defined(__aarch64__)
#include <stdint.h>
#define FPCR_FZ (1ull << 24)

void perceptron_set_flush_denormals(int on) {
    uint64_t fpcr;
    __asm__ __volatile__("mrs %0, fpcr" : "=r"(fpcr));
    fpcr = on ? (fpcr | FPCR_FZ) : (fpcr & ~FPCR_FZ);
    __asm__ __volatile__("msr fpcr, %0" : : "r"(fpcr));
}

int perceptron_flush_denormals(void) {
    uint64_t fpcr;
    __asm__ __volatile__("mrs %0, fpcr" : "=r"(fpcr));
    return (fpcr & FPCR_FZ) != 0;
}

#else
void perceptron_set_flush_denormals(int on) { (void)on; }
int perceptron_flush_denormals(void) { return 0; }
#endif
