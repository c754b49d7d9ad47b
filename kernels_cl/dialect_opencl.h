/* portatensor: how OpenCL C spells the constructs the dialect names.
 * Templates never write these; the OpenCL dialect emits the PT_* names, and a
 * GLSL dialect ships its own header with the same names. */
#ifndef PT_DIALECT_OPENCL_H
#define PT_DIALECT_OPENCL_H
#define PT_KERNEL __kernel void
#define PT_OUT(T) __global T* restrict
#define PT_IN(T) __global const T* restrict
#define PT_INOUT(T) __global T*
#define PT_LOCAL_PTR(T) __local T*
#define PT_LOCAL __local
#define PT_SCALAR(T) const T
#define PT_GLOBAL_FENCE mem_fence(CLK_GLOBAL_MEM_FENCE)
#define PT_ATOMIC_INC(p) atomic_inc(p)
/* element i of global p read past any non-coherent cache: another work-group's fenced store is seen */
#define PT_COHERENT_LOAD(T, p, i) (((volatile __global T*)(p))[i])
#endif
