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

#define PT_OVL_R __attribute__((overloadable))

/* Python/NumPy floor division and remainder for real floats (NumPy's
 * npy_divmod): the remainder takes the divisor's sign; x // 0 is x / 0. */
#define PT_REAL_FUNCS(T) \
inline T PT_OVL_R pt_fmod_py(T a, T b) { \
    T m = fmod(a, b); \
    if (b == (T)0) return m; \
    if (m != (T)0) { if ((b < (T)0) != (m < (T)0)) m += b; } \
    else m = copysign((T)0, b); \
    return m; \
} \
inline T PT_OVL_R pt_floordiv(T a, T b) { \
    if (b == (T)0 || (isinf(a) && isfinite(b))) return a / b; /* the standard: +-inf // finite is +-inf */ \
    if (isinf(b) && isfinite(a)) return copysign((T)0, a / b); /* and finite // +-inf a signed zero */ \
    const T m = fmod(a, b); \
    T q = (a - m) / b; \
    if (m != (T)0 && ((b < (T)0) != (m < (T)0))) q -= (T)1; \
    if (q != (T)0) { \
        T f = floor(q); \
        if (q - f > (T)0.5) f += (T)1; \
        return f; \
    } \
    return copysign((T)0, a / b); \
} \
/* tanh saturating to +-1: 1 - tanh x ~ 2 exp(-2x) is below half an ulp of 1 from \
 * |x| > 9.01 in float and 19.06 in double, so +-1 is the rounded result there. \
 * NOTE: PoCL 3.1's float tanh never reaches 1, not even at +-inf (0.99999994), and \
 * the standard asks for exactly +-1 at +-inf. */ \
inline T PT_OVL_R pt_tanh(T a) { \
    return fabs(a) > (sizeof(T) == 4 ? (T)9.1 : (T)19.1) ? copysign((T)1, a) : tanh(a); \
}

/* nextafter on the bits (I: the integer type of T's width), as C and NumPy
 * define it: nextafter(x, x) is y (so nextafter(0, -0) is -0) and the step
 * off zero is the smallest subnormal. NOTE: Mesa's llvmpipe (rusticl) builtin
 * nextafter returns x when x == y and steps from 0 to the smallest normal
 * (FLT_MIN) where its float32 has no subnormals; bit arithmetic gives the
 * subnormal on every device. */
#define PT_NEXTAFTER(T, I) \
inline T PT_OVL_R pt_nextafter(T a, T b) { \
    if (isnan(a) || isnan(b)) return a + b; \
    if (a == b) return b; \
    const I ia = as_##I(a), sign = (I)1 << (sizeof(I) * 8 - 1); \
    if ((ia & ~sign) == 0) return as_##T((as_##I(b) & sign) | (I)1); \
    return as_##T(ia + (((b > a) == (a > (T)0)) ? (I)1 : (I)-1)); \
}

PT_REAL_FUNCS(float)
PT_NEXTAFTER(float, int)
#ifdef cl_khr_fp64
PT_REAL_FUNCS(double)
PT_NEXTAFTER(double, long)
#endif

/* Integer power by squaring, wrapping like C multiplication. A negative
 * exponent (undefined in the standard, an error in NumPy) gives 1 for a base
 * of 1, +-1 for -1 and 0 otherwise, so a kernel never traps. */
inline long pt_ipow(long a, long b) {
    if (b < 0) return a == 1 ? 1 : (a == -1 ? ((b & 1) ? -1 : 1) : 0);
    ulong r = 1, x = (ulong)a;
    ulong e = (ulong)b;
    while (e) { if (e & 1) r *= x; x *= x; e >>= 1; }
    return (long)r;
}

#endif
