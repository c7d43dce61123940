// Ctrl-C as a request to stop training (see CPerceptronInterrupt.h). The handler touches only
// a lock-free atomic flag and write(2), both async-signal-safe.
#include "CPerceptronInterrupt.h"

#include <stdatomic.h>

#if defined(__unix__) || defined(__APPLE__)
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static atomic_int requested = 0;
static atomic_int installed = 0;

static void on_interrupt(int sig) {
    (void)sig;
    if (atomic_exchange(&requested, 1)) _exit(130);
    static const char message[] =
        "\ninterrupt: finishing the current step and saving a checkpoint (Ctrl-C again to quit now)\n";
    ssize_t ignored = write(STDERR_FILENO, message, sizeof message - 1);
    (void)ignored;
}

int perceptron_interrupt_install(void) {
    if (atomic_exchange(&installed, 1)) return 0;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_interrupt;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    if (sigaction(SIGINT, &action, NULL) != 0) return -1;
    // A process started by another may inherit SIGINT blocked (a test runner's threads block
    // it); a blocked Ctrl-C would stay pending, never handled.
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    return pthread_sigmask(SIG_UNBLOCK, &set, NULL) == 0 ? 0 : -1;
}
#else
static atomic_int requested = 0;
int perceptron_interrupt_install(void) { return -1; }
#endif

void perceptron_interrupt_request(void) { atomic_store(&requested, 1); }
int perceptron_interrupt_requested(void) { return atomic_load(&requested); }
void perceptron_interrupt_reset(void) { atomic_store(&requested, 0); }
