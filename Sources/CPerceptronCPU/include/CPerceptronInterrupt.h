// Ctrl-C as a request to stop training: a SIGINT handler that only sets a flag (and says so
// on standard error), installed with sigaction so no signal between installing and arming is
// lost. A second SIGINT while a request is pending ends the process at once, status 130.
#ifndef CPERCEPTRON_INTERRUPT_H
#define CPERCEPTRON_INTERRUPT_H

/// Installs the SIGINT handler (idempotent). Returns 0 on success, -1 where there is no sigaction.
int perceptron_interrupt_install(void);

/// Sets the request, as a SIGINT does (without the message).
void perceptron_interrupt_request(void);

/// 1 when a stop was requested and not reset, else 0.
int perceptron_interrupt_requested(void);

/// Clears the request.
void perceptron_interrupt_reset(void);

#endif
