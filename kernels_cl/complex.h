/* portatensor: complex arithmetic on float2 / double2 (x = real, y = imaginary).
 * One body, instantiated for float and (where the device has fp64) double;
 * the functions are overloadable so table expressions read cmul(a, b) for
 * both precisions. Special values follow C99 Annex G where it is cheap
 * (cabs of an infinite part is +inf even if the other part is NaN). */
#ifndef PT_COMPLEX_H
#define PT_COMPLEX_H

#define PT_OVL __attribute__((overloadable))

#define PT_COMPLEX_FUNCS(T) \
inline T##2 PT_OVL cmul(T##2 a, T##2 b) { return (T##2)(a.x * b.x - a.y * b.y, a.x * b.y + a.y * b.x); } \
inline T##2 PT_OVL cdiv(T##2 a, T##2 b) { \
    /* Smith's algorithm: scale by the larger component to avoid overflow. */ \
    if (fabs(b.x) >= fabs(b.y)) { \
        if (b.x == (T)0 && b.y == (T)0) return (T##2)(a.x / fabs(b.x), a.y / fabs(b.x)); \
        const T r = b.y / b.x, den = b.x + b.y * r; \
        return (T##2)((a.x + a.y * r) / den, (a.y - a.x * r) / den); \
    } \
    const T r = b.x / b.y, den = b.x * r + b.y; \
    return (T##2)((a.x * r + a.y) / den, (a.y * r - a.x) / den); \
} \
inline T PT_OVL cabs(T##2 a) { return hypot(a.x, a.y); } \
inline T##2 PT_OVL conj(T##2 a) { return (T##2)(a.x, -a.y); } \
inline T##2 PT_OVL cexp(T##2 a) { \
    if (a.y == (T)0) return (T##2)(exp(a.x), a.y); \
    const T e = exp(a.x); \
    return (T##2)(e * cos(a.y), e * sin(a.y)); \
} \
inline T##2 PT_OVL clog(T##2 a) { return (T##2)(log(hypot(a.x, a.y)), atan2(a.y, a.x)); } \
inline T##2 PT_OVL csqrt(T##2 a) { \
    /* Kahan's branch cuts: result real part >= 0, imaginary sign of a.y. */ \
    if (isinf(a.y)) return (T##2)((T)INFINITY, a.y); \
    if (isnan(a.x)) return (T##2)(a.x, a.x); \
    if (isinf(a.x)) { \
        if (a.x > (T)0) return (T##2)(a.x, isnan(a.y) ? a.y : copysign((T)0, a.y)); \
        return (T##2)(isnan(a.y) ? a.y : (T)0, copysign((T)INFINITY, a.y)); \
    } \
    if (a.x == (T)0 && a.y == (T)0) return (T##2)((T)0, a.y); \
    const T t = sqrt((fabs(a.x) + hypot(a.x, a.y)) * (T)0.5); \
    if (a.x >= (T)0) return (T##2)(t, a.y / (2 * t)); \
    return (T##2)(fabs(a.y) / (2 * t), copysign(t, a.y)); \
} \
inline T##2 PT_OVL csinh(T##2 a) { return (T##2)(sinh(a.x) * cos(a.y), cosh(a.x) * sin(a.y)); } \
inline T##2 PT_OVL ccosh(T##2 a) { return (T##2)(cosh(a.x) * cos(a.y), sinh(a.x) * sin(a.y)); } \
inline T##2 PT_OVL ctanh(T##2 a) { \
    /* tanh(x+iy) = (sinh 2x + i sin 2y) / (cosh 2x + cos 2y); saturates for large |x|. */ \
    if (fabs(a.x) > (T)20) return (T##2)(copysign((T)1, a.x), copysign((T)0, sin(2 * a.y))); \
    const T den = cosh(2 * a.x) + cos(2 * a.y); \
    return (T##2)(sinh(2 * a.x) / den, sin(2 * a.y) / den); \
} \
/* sin z = -i sinh(iz), cos z = cosh(iz), tan z = -i tanh(iz) */ \
inline T##2 PT_OVL csin(T##2 a) { const T##2 r = csinh((T##2)(-a.y, a.x)); return (T##2)(r.y, -r.x); } \
inline T##2 PT_OVL ccos(T##2 a) { return ccosh((T##2)(-a.y, a.x)); } \
inline T##2 PT_OVL ctan(T##2 a) { const T##2 r = ctanh((T##2)(-a.y, a.x)); return (T##2)(r.y, -r.x); } \
inline T##2 PT_OVL csign(T##2 a) { \
    const T m = hypot(a.x, a.y); \
    return m == (T)0 ? (T##2)((T)0, (T)0) : (T##2)(a.x / m, a.y / m); \
} \
inline T##2 PT_OVL cpow(T##2 a, T##2 b) { \
    if (b.x == (T)0 && b.y == (T)0) return (T##2)((T)1, (T)0); \
    /* 0 ** b -> 0 for Re(b) > 0, the limit along any path; NumPy 2 gives the same */ \
    if (a.x == (T)0 && a.y == (T)0 && b.x > (T)0) return (T##2)((T)0, (T)0); \
    return cexp(cmul(b, clog(a))); \
} \
inline T##2 PT_OVL crecip(T##2 a) { return cdiv((T##2)((T)1, (T)0), a); } \
inline T##2 PT_OVL cexpm1(T##2 a) { \
    /* expm1(x) cos y - 2 sin^2(y/2) keeps precision for small |z| */ \
    const T s = sin(a.y * (T)0.5); \
    return (T##2)(expm1(a.x) * cos(a.y) - 2 * s * s, exp(a.x) * sin(a.y)); \
} \
inline T##2 PT_OVL clog1p(T##2 a) { \
    const T x = a.x + (T)1; \
    if (fabs(a.x) < (T)0.5 && fabs(a.y) < (T)0.5) \
        return (T##2)((T)0.5 * log1p(a.x * (2 + a.x) + a.y * a.y), atan2(a.y, x)); \
    return clog((T##2)(x, a.y)); \
} \
inline T##2 PT_OVL clog2(T##2 a) { const T##2 l = clog(a); return l / log((T)2); } \
inline T##2 PT_OVL clog10(T##2 a) { const T##2 l = clog(a); return l / log((T)10); } \
/* Inverse functions through log and sqrt (principal branches as in C99). */ \
inline T##2 PT_OVL casinh(T##2 a) { \
    return clog(a + csqrt(cmul(a, a) + (T##2)((T)1, (T)0))); \
} \
inline T##2 PT_OVL casin(T##2 a) { const T##2 r = casinh((T##2)(-a.y, a.x)); return (T##2)(r.y, -r.x); } \
inline T##2 PT_OVL cacos(T##2 a) { const T##2 r = casin(a); return (T##2)((T)1.5707963267948966 - r.x, -r.y); } \
inline T##2 PT_OVL cacosh(T##2 a) { \
    return clog(a + cmul(csqrt(a + (T##2)((T)1, (T)0)), csqrt(a - (T##2)((T)1, (T)0)))); \
} \
inline T##2 PT_OVL catanh(T##2 a) { \
    const T##2 r = clog1p(a) - clog1p(-a); \
    return r * (T)0.5; \
} \
inline T##2 PT_OVL catan(T##2 a) { const T##2 r = catanh((T##2)(-a.y, a.x)); return (T##2)(r.y, -r.x); } \
inline int PT_OVL cisnan(T##2 a) { return isnan(a.x) || isnan(a.y); } \
inline int PT_OVL cisinf(T##2 a) { return isinf(a.x) || isinf(a.y); } \
inline int PT_OVL cisfinite(T##2 a) { return isfinite(a.x) && isfinite(a.y); }

PT_COMPLEX_FUNCS(float)
#ifdef cl_khr_fp64
PT_COMPLEX_FUNCS(double)
#endif

#endif
