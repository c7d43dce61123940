// Adam's fused update on AVX2 or AVX-512 vectors, for x86-64 CPUs that have them (see
// perceptron_vector_units()). Each value goes through the same IEEE operations, in the same
// order and without fused multiply-adds, as the Swift update in Adam.swift, so the results
// are bit for bit the same whichever runs.
#ifndef CPERCEPTRON_ADAM_H
#define CPERCEPTRON_ADAM_H

/// For i in [0, count):
///     m[i] += (g[i] - m[i]) * one_minus_beta1
///     v[i] += (g[i] * g[i] - v[i]) * one_minus_beta2
///     w[i] -= alpha * m[i] / (sqrt(v[i]) + epsilon)
void perceptron_adam_update_avx2(long count, float *w, const float *g, float *m, float *v, float alpha,
                                 float one_minus_beta1, float one_minus_beta2, float epsilon);

/// The same on AVX-512 vectors.
void perceptron_adam_update_avx512(long count, float *w, const float *g, float *m, float *v, float alpha,
                                   float one_minus_beta1, float one_minus_beta2, float epsilon);

#endif
