// The worker pool; see include/CPerceptronPool.h.
//
// One job at a time, published through `generation` (also the futex the workers sleep on):
// the caller fills in the job, bumps the generation and wakes sleepers; every worker
// acknowledges every generation by decrementing `pending`, and the caller returns (and may
// publish the next job) only when all have. So a worker never reads a job being replaced.
#define _GNU_SOURCE
#include "CPerceptronPool.h"
#include "CPerceptronCPU.h"

#if defined(__linux__)
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static inline void relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

static double seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static pthread_mutex_t job_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic uint32_t generation;
static _Atomic long pending;
static _Atomic int sleepers;
// How long an idle worker spins before it sleeps: longer than the gaps between a training
// step's parallel kernels, short enough not to hold a core long after the work stops.
static const double spin_seconds = 1e-3;
static long workers;
// The job, written by the caller before it bumps the generation.
static perceptron_pool_task job_task;
static void *job_context;
static long job_chunks, job_participants;
static int job_flush;
static _Thread_local int inside_job;

static void run_chunks(long first) {
    for (long c = first; c < job_chunks; c += job_participants) job_task(job_context, c);
}

static void *worker_main(void *argument) {
    const long id = (long)(intptr_t)argument;
    inside_job = 1;
    uint32_t seen = 0;
    for (;;) {
        uint32_t now;
        double start = -1;
        long spins = 0;
        while ((now = atomic_load_explicit(&generation, memory_order_acquire)) == seen) {
            relax();
            if (++spins & 255) continue;
            if (start < 0) start = seconds();
            if (seconds() - start < spin_seconds) continue;
            atomic_fetch_add(&sleepers, 1);
            if (atomic_load(&generation) == seen) syscall(SYS_futex, &generation, FUTEX_WAIT_PRIVATE, seen, NULL, NULL, 0);
            atomic_fetch_sub(&sleepers, 1);
            start = -1;
        }
        seen = now;
        if (id < job_participants && id < job_chunks) {
            perceptron_set_flush_denormals(job_flush);
            run_chunks(id);
        }
        atomic_fetch_sub_explicit(&pending, 1, memory_order_acq_rel);
    }
    return NULL;
}

int perceptron_pool_available(void) { return 1; }

void perceptron_pool_run(long chunks, long threads, perceptron_pool_task task, void *context) {
    if (chunks <= 0) return;
    if (chunks == 1 || threads <= 1 || inside_job || pthread_mutex_trylock(&job_lock) != 0) {
        for (long c = 0; c < chunks; c++) task(context, c);
        return;
    }
    if (workers == 0) {
        for (long i = 1; i < threads; i++) {
            pthread_t thread;
            pthread_attr_t attributes;
            pthread_attr_init(&attributes);
            pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
            if (pthread_create(&thread, &attributes, worker_main, (void *)(intptr_t)i) == 0) workers++;
            pthread_attr_destroy(&attributes);
            if (workers != i) break;
        }
    }
    if (workers == 0) {
        pthread_mutex_unlock(&job_lock);
        for (long c = 0; c < chunks; c++) task(context, c);
        return;
    }
    job_task = task;
    job_context = context;
    job_chunks = chunks;
    job_participants = workers + 1 < threads ? workers + 1 : threads;
    job_flush = perceptron_flush_denormals();
    atomic_store(&pending, workers);
    atomic_fetch_add(&generation, 1);
    if (atomic_load(&sleepers) > 0) syscall(SYS_futex, &generation, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
    inside_job = 1;
    run_chunks(0);
    inside_job = 0;
    long spins = 0;
    while (atomic_load_explicit(&pending, memory_order_acquire) != 0) {
        relax();
        if ((++spins & 4095) == 0) sched_yield();
    }
    pthread_mutex_unlock(&job_lock);
}

#else

int perceptron_pool_available(void) { return 0; }
void perceptron_pool_run(long chunks, long threads, perceptron_pool_task task, void *context) {
    (void)threads;
    for (long c = 0; c < chunks; c++) task(context, c);
}

#endif
