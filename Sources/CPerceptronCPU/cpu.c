// Floating-point control of the calling thread and the vector units the CPU offers; see
// include/CPerceptronCPU.h. The kernels that use them are in gemm_tiles.c and adam.c.
#include "CPerceptronCPU.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <cpuid.h>

static unsigned long long read_xcr0(void) {
    unsigned int eax, edx;
    __asm__ __volatile__("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((unsigned long long)edx << 32) | eax;
}

int perceptron_vector_units(void) {
    unsigned int eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
    const int fma = (ecx >> 12) & 1, osxsave = (ecx >> 27) & 1, avx = (ecx >> 28) & 1;
    if (!osxsave || !avx || !fma) return 0;
    const unsigned long long xcr0 = read_xcr0();
    if ((xcr0 & 0x6) != 0x6) return 0; // the OS saves XMM and YMM state
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return 0;
    const int avx2 = (ebx >> 5) & 1, avx512f = (ebx >> 16) & 1;
    int units = 0;
    if (avx2) units |= PERCEPTRON_VECTOR_AVX2_FMA;
    if (avx512f && (xcr0 & 0xE6) == 0xE6) units |= PERCEPTRON_VECTOR_AVX512; // + opmask, ZMM state
    return units;
}

int perceptron_avx512_is_half_width(void) {
    unsigned int eax, ebx, ecx, edx;
    if (!(perceptron_vector_units() & PERCEPTRON_VECTOR_AVX512)) return 0;
    if (!__get_cpuid(0, &eax, &ebx, &ecx, &edx)) return 0;
    const int amd = ebx == 0x68747541u && edx == 0x69746e65u && ecx == 0x444d4163u; // "AuthenticAMD"
    if (!amd || !__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
    const unsigned int base = (eax >> 8) & 0xF, extended = (eax >> 20) & 0xFF;
    const unsigned int family = base == 0xF ? base + extended : base;
    return family == 0x19; // Zen 4: the only family 0x19 cores with AVX-512, run on 256-bit units
}
#else
int perceptron_vector_units(void) { return 0; }
int perceptron_avx512_is_half_width(void) { return 0; }
#endif

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
