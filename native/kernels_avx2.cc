// AVX2 + FMA build of the kernels. binding.gyp compiles this file alone with -mavx2 -mfma;
// it runs only after addon.cc checked the CPU. It includes no standard-library templates, so
// no AVX2-compiled inline function can be picked by the linker for the portable path.
#define DM_NS dm_avx2
#include "kernels_impl.inc"
