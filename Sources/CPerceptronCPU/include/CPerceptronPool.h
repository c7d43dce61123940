// A small pool of worker threads that spin briefly between jobs before they sleep. Training
// runs a few parallel kernels per layer per step, often 50-500 µs each; waking a sleeping
// thread for each costs tens of microseconds on a virtual machine (an interrupt to another
// virtual CPU), which a thread still spinning does not pay. Linux only (futex); elsewhere
// perceptron_pool_available() is 0 and callers use another mechanism.
#ifndef CPERCEPTRON_POOL_H
#define CPERCEPTRON_POOL_H

/// One chunk of a job: `context` is the caller's, `chunk` in 0..<chunks.
typedef void (*perceptron_pool_task)(void *context, long chunk);

/// 1 where the pool exists (Linux), else 0.
int perceptron_pool_available(void);

/// Runs task(context, c) for every c in 0..<chunks and returns when all have finished. The
/// calling thread takes chunks 0, threads, 2 threads...; worker i (1..<threads) takes i,
/// i + threads... Workers are started on first use (threads - 1 of them, fixed thereafter;
/// a later call asking for more threads gets no more) and copy the caller's flush-to-zero
/// mode. Runs every chunk on the calling thread, in order, when chunks or threads is at most
/// 1, when called from inside a job, or when another thread's job is running. Idle workers
/// spin for 1 ms before they sleep.
void perceptron_pool_run(long chunks, long threads, perceptron_pool_task task, void *context);

#endif
