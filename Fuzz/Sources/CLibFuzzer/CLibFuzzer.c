// Header-only: LLVMFuzzerRunDriver is defined by the libFuzzer runtime.
#include "CLibFuzzer.h"
