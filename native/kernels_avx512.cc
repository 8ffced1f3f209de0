// AVX-512 (F, DQ) build of the kernels: the scan's forward steps use 16-lane vectors, the rest
// is the AVX2 code. Compiled alone with -mavx512f -mavx512dq by binding.gyp; selected by addon.cc
// only on CPUs that report AVX-512. Like kernels_avx2.cc it includes no library templates.
#define DM_NS dm_avx512
#include "kernels_impl.inc"
