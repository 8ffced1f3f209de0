// Portable build of the kernels (plain C++, auto-vectorised for the baseline ISA).
#define DM_NS dm_generic
#include "kernels_impl.inc"
