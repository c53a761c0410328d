// Intentionally empty: the target exists for its header (the declaration of libFuzzer's LLVMFuzzerRunDriver).
#include "FuzzDriver.h"
