/* portatensor: element helpers shared by every kernel family.
 * Written in the C subset that OpenCL C and GLSL share where possible. */
#ifndef PT_DTYPES_H
#define PT_DTYPES_H

/* bfloat16 is stored as the top 16 bits of a float32. */
inline float pt_bf16_to_f32(ushort x) { return as_float(((uint)x) << 16); }

/* Round to nearest even; NaN stays a (quiet) NaN. */
inline ushort pt_f32_to_bf16(float f) {
    uint u = as_uint(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (ushort)((u >> 16) | 0x40u);
    u += 0x7fffu + ((u >> 16) & 1u);
    return (ushort)(u >> 16);
}

#endif
