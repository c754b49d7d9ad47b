/* portatensor: complex arithmetic on float2 / double2 (x = real, y = imaginary).
 * One body, instantiated for float and (where the device has fp64) double;
 * the functions are overloadable so table expressions read cmul(a, b) for
 * both precisions. The elementary functions follow C99 Annex G, which the
 * Array API standard's complex special cases restate (NaN, +-inf, signed
 * zeros); where Annex G leaves a sign unspecified they give what glibc gives
 * (NumPy's reference). Finite arguments use the cancellation- and
 * overflow-free forms of Kahan ("Branch cuts for complex elementary
 * functions") and Hull, Fairgrieve and Tang (TOMS 1997, asin/acos).
 * Instantiation parameters: BIG (above it the inverse functions take their
 * asymptotic form, 1/BIG^2 under the type's epsilon and BIG^2 finite) and
 * SMALL (below it asin z = z to the type's precision). */
#ifndef PT_COMPLEX_H
#define PT_COMPLEX_H

#ifndef PT_DTYPES_H
#error "complex.h uses dtypes.h's real helpers (pt_tanh): include dtypes.h first"
#endif

#define PT_OVL __attribute__((overloadable))

#define PT_COMPLEX_FUNCS(T, BIG, SMALL) \
inline T##2 PT_OVL cmul(T##2 a, T##2 b) { return (T##2)(a.x * b.x - a.y * b.y, a.x * b.y + a.y * b.x); } \
/* z * z with the one rounding of a fused multiply-add, as NumPy's compiled loops and PoCL contract it: \
 * (1e30 + 1e30j)**2 in float32 is -inf + inf j rather than inf - inf = NaN where a device does not contract \
 * (Mesa llvmpipe). */ \
inline T##2 PT_OVL csquare(T##2 a) { return (T##2)(fma(a.x, a.x, -(a.y * a.y)), fma(a.x, a.y, a.y * a.x)); } \
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
/* e^x (c, s) where e^x alone may overflow but the products do not. */ \
inline T##2 PT_OVL pt_scaled_cis(T x, T c, T s) { \
    const T e = exp(x); \
    if (!isinf(e) || isinf(x)) return (T##2)(e * c, e * s); \
    const T h = exp(x * (T)0.5); \
    return (T##2)((h * c) * h, (h * s) * h); \
} \
inline T##2 PT_OVL cexp(T##2 a) { \
    const T x = a.x, y = a.y; \
    if (y == (T)0) return (T##2)(exp(x), y); \
    if (isinf(x) && !isfinite(y)) \
        return x > (T)0 ? (T##2)(x, (T)NAN) : (T##2)((T)0, copysign((T)0, y)); \
    if (!isfinite(y) || isnan(x)) return (T##2)((T)NAN, (T)NAN); \
    return pt_scaled_cis(x, cos(y), sin(y)); \
} \
/* log|x + iy|; log1p of |z|^2 - 1 when |z| is near 1, where log(hypot) cancels. */ \
inline T PT_OVL pt_logabs(T x, T y) { \
    const T ax = fmax(fabs(x), fabs(y)), ay = fmin(fabs(x), fabs(y)); \
    if (isfinite(x) && isfinite(y) && ax >= (T)0.5 && ax <= (T)2) \
        return (T)0.5 * log1p((ax - (T)1) * (ax + (T)1) + ay * ay); \
    return log(hypot(x, y)); \
} \
inline T##2 PT_OVL clog(T##2 a) { return (T##2)(pt_logabs(a.x, a.y), atan2(a.y, a.x)); } \
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
inline T##2 PT_OVL csinh(T##2 a) { \
    const T x = a.x, y = a.y; \
    if (isfinite(x) && isfinite(y)) { \
        if (y == (T)0) return (T##2)(sinh(x), y); \
        if (fabs(x) < (T)20) return (T##2)(sinh(x) * cos(y), cosh(x) * sin(y)); \
        const T##2 r = pt_scaled_cis(fabs(x), (T)0.5 * cos(y), (T)0.5 * sin(y)); \
        return (T##2)(copysign((T)1, x) * r.x, r.y); \
    } \
    if (x == (T)0) return (T##2)(x, (T)NAN); \
    if (y == (T)0) return (T##2)(x, y); \
    if (isinf(x)) return isfinite(y) ? (T##2)(x * cos(y), (T)INFINITY * sin(y)) : (T##2)((T)INFINITY, (T)NAN); \
    return (T##2)((T)NAN, (T)NAN); \
} \
inline T##2 PT_OVL ccosh(T##2 a) { \
    const T x = a.x, y = a.y; \
    if (isfinite(x) && isfinite(y)) { \
        if (y == (T)0) return (T##2)(cosh(x), copysign((T)0, x) * y); \
        if (fabs(x) < (T)20) return (T##2)(cosh(x) * cos(y), sinh(x) * sin(y)); \
        const T##2 r = pt_scaled_cis(fabs(x), (T)0.5 * cos(y), (T)0.5 * sin(y)); \
        return (T##2)(r.x, copysign((T)1, x) * r.y); \
    } \
    if (x == (T)0) return (T##2)((T)NAN, (T)0); \
    if (y == (T)0) return (T##2)(fabs(x), isnan(x) ? y : copysign((T)0, x) * y); \
    if (isinf(x)) return isfinite(y) ? (T##2)((T)INFINITY * cos(y), x * sin(y)) : (T##2)((T)INFINITY, (T)NAN); \
    return (T##2)((T)NAN, (T)NAN); \
} \
inline T##2 PT_OVL ctanh(T##2 a) { \
    const T x = a.x, y = a.y; \
    if (isnan(x)) return (T##2)(x, y == (T)0 ? y : (T)NAN); \
    if (isinf(x)) return (T##2)(copysign((T)1, x), copysign((T)0, isfinite(y) ? sin(y) * cos(y) : y)); \
    if (!isfinite(y)) return (T##2)(x == (T)0 ? x : (T)NAN, (T)NAN); \
    if (y == (T)0) return (T##2)(pt_tanh(x), y); \
    if (fabs(x) > (T)22) { \
        const T e = exp(-fabs(x)); \
        return (T##2)(copysign((T)1, x), (T)4 * sin(y) * cos(y) * e * e); \
    } \
    /* Kahan: with t = tan y, s = sinh x, rho = cosh x, beta = 1 + t^2 */ \
    const T t = tan(y), beta = (T)1 + t * t, s = sinh(x), rho = sqrt((T)1 + s * s); \
    const T den = (T)1 + beta * s * s; \
    return (T##2)(beta * rho * s / den, t / den); \
} \
/* sin z = -i sinh(iz), cos z = cosh(iz), tan z = -i tanh(iz) */ \
inline T##2 PT_OVL csin(T##2 a) { \
    /* NaN + i inf is the unspecified-sign case; glibc gives +inf */ \
    const T##2 r = csinh((T##2)(-a.y, a.x)); \
    return (T##2)(r.y, isnan(r.y) && isinf(r.x) ? (T)INFINITY : -r.x); \
} \
inline T##2 PT_OVL ccos(T##2 a) { return ccosh((T##2)(-a.y, a.x)); } \
inline T##2 PT_OVL ctan(T##2 a) { const T##2 r = ctanh((T##2)(-a.y, a.x)); return (T##2)(r.y, -r.x); } \
inline T##2 PT_OVL csign(T##2 a) { \
    /* z / |z|; the standard: NaN + NaN j when a part is NaN, 0 at 0 */ \
    if (isnan(a.x) || isnan(a.y)) return (T##2)((T)NAN, (T)NAN); \
    if (isinf(a.x) || isinf(a.y)) { \
        if (isinf(a.x) && isinf(a.y)) return (T##2)((T)NAN, (T)NAN); \
        return (T##2)(isinf(a.x) ? copysign((T)1, a.x) : (T)0, isinf(a.y) ? copysign((T)1, a.y) : (T)0); \
    } \
    const T m = hypot(a.x, a.y); \
    return m == (T)0 ? (T##2)((T)0, (T)0) : (T##2)(a.x / m, a.y / m); \
} \
/* C99 Annex G multiplication: where the plain product is NaN + NaN j but a
 * factor is infinite, recover the infinity (as C's _Complex * does). */ \
inline T##2 PT_OVL pt_cmul_annex_g(T##2 p, T##2 q) { \
    const T##2 r = cmul(p, q); \
    if (!isnan(r.x) || !isnan(r.y)) return r; \
    int again = 0; \
    if (isinf(p.x) || isinf(p.y)) { \
        p = (T##2)(copysign(isinf(p.x) ? (T)1 : (T)0, p.x), copysign(isinf(p.y) ? (T)1 : (T)0, p.y)); \
        q = (T##2)(isnan(q.x) ? copysign((T)0, q.x) : q.x, isnan(q.y) ? copysign((T)0, q.y) : q.y); \
        again = 1; \
    } \
    if (isinf(q.x) || isinf(q.y)) { \
        q = (T##2)(copysign(isinf(q.x) ? (T)1 : (T)0, q.x), copysign(isinf(q.y) ? (T)1 : (T)0, q.y)); \
        p = (T##2)(isnan(p.x) ? copysign((T)0, p.x) : p.x, isnan(p.y) ? copysign((T)0, p.y) : p.y); \
        again = 1; \
    } \
    if (!again && (isinf(p.x * q.x) || isinf(p.y * q.y) || isinf(p.x * q.y) || isinf(p.y * q.x))) { \
        p = (T##2)(isnan(p.x) ? copysign((T)0, p.x) : p.x, isnan(p.y) ? copysign((T)0, p.y) : p.y); \
        q = (T##2)(isnan(q.x) ? copysign((T)0, q.x) : q.x, isnan(q.y) ? copysign((T)0, q.y) : q.y); \
        again = 1; \
    } \
    return again ? (T)INFINITY * cmul(p, q) : r; \
} \
inline T##2 PT_OVL cpow(T##2 a, T##2 b) { \
    /* The standard: special cases as exp(b log a) (C99's cpow), which NumPy \
     * refines as here: a**0 = 1, 0**b = 0 for Re b > 0 (NaN otherwise), and \
     * small integer powers by repeated multiplication (exact, inf-friendly). */ \
    if (b.x == (T)0 && b.y == (T)0) return (T##2)((T)1, (T)0); \
    if (a.x == (T)0 && a.y == (T)0) return b.x > (T)0 ? (T##2)((T)0, (T)0) : (T##2)((T)NAN, (T)NAN); \
    if (b.y == (T)0 && b.x == rint(b.x) && fabs(b.x) < (T)100) { \
        int n = (int)fabs(b.x); \
        if (b.x == (T)1) return a; \
        if (b.x == (T)2) return cmul(a, a); \
        if (b.x == (T)3) return cmul(a, cmul(a, a)); \
        /* 1 + 0j as NumPy's loop starts, built from b.y (+-0 here) so that \
         * no compiler sees the constant: Mesa's NIR folds x + 0 to x and \
         * x * 0 to 0, which changes the sign of zeros NumPy keeps. */ \
        const T z = fabs(b.y); \
        const T##2 one = (T##2)(z + (T)1, z); \
        T##2 r = one, p = a; \
        for (;;) { \
            if (n & 1) r = cmul(r, p); \
            n >>= 1; \
            if (n == 0) break; \
            p = cmul(p, p); \
        } \
        return b.x < (T)0 ? cdiv(one, r) : r; \
    } \
    return cexp(pt_cmul_annex_g(b, clog(a))); \
} \
inline T##2 PT_OVL crecip(T##2 a) { \
    /* 1 / z by Smith's ratio of the smaller to the larger part */ \
    if (fabs(a.y) <= fabs(a.x)) { \
        const T r = a.y / a.x, d = a.x + a.y * r; \
        return (T##2)((T)1 / d, -r / d); \
    } \
    const T r = a.x / a.y, d = a.x * r + a.y; \
    return (T##2)(r / d, (T)-1 / d); \
} \
inline T##2 PT_OVL cexpm1(T##2 a) { \
    /* non-finite z: exp(z) - 1 gives the standard's clauses (-1 + 0j at -inf, \
     * inf + 0j at inf + 0j); NumPy's expm1 gives NaN parts there */ \
    if (!isfinite(a.x) || !isfinite(a.y)) { const T##2 e = cexp(a); return (T##2)(e.x - (T)1, e.y); } \
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
/* asin / acos of x + iy for finite x, y >= 0 (Hull, Fairgrieve and Tang): \
 * .x the real part of asin (of acos when want_acos), .y |Im asin| = |Im acos|. */ \
inline T##2 PT_OVL pt_asin_parts(T x, T y, int want_acos) { \
    if (x < (T)(SMALL) && y < (T)(SMALL)) return (T##2)(want_acos ? (T)1.5707963267948966 - x : x, y); \
    if (x > (T)(BIG) || y > (T)(BIG)) { \
        /* asin z ~ -i log(2iz): the argument and log 2|z|, overflow-free */ \
        const T re = want_acos ? atan2(y, x) : atan2(x, y); \
        return (T##2)(re, log(hypot(x * (T)0.5, y * (T)0.5)) + (T)2 * (T)0.6931471805599453); \
    } \
    const T r = hypot(x + (T)1, y), s = hypot(x - (T)1, y), A = (T)0.5 * (r + s), B = x / A; \
    const T y2 = y * y; \
    T re; \
    if (B <= (T)0.6417) { \
        re = want_acos ? acos(B) : asin(B); \
    } else { \
        const T apx = A + x; \
        const T q = x <= (T)1 ? sqrt((T)0.5 * apx * (y2 / (r + x + (T)1) + (s + ((T)1 - x)))) \
                              : y * sqrt((T)0.5 * (apx / (r + x + (T)1) + apx / (s + (x - (T)1)))); \
        re = want_acos ? atan(q / x) : atan(x / q); \
    } \
    T im; \
    if (A <= (T)1.5 && x < (T)1) { \
        /* A - 1 = y^2 c: sqrt((A - 1)(A + 1)) as y sqrt(c (A + 1)), which y^2 would underflow */ \
        const T c = (T)0.5 * ((T)1 / (r + (x + (T)1)) + (T)1 / (s + ((T)1 - x))); \
        im = log1p(y2 * c + y * sqrt(c * (A + (T)1))); \
    } else if (A <= (T)1.5) { \
        const T am1 = (T)0.5 * (y2 / (r + (x + (T)1)) + (s + (x - (T)1))); \
        im = log1p(am1 + sqrt(am1 * (A + (T)1))); \
    } else { \
        im = log(A + sqrt(A * A - (T)1)); \
    } \
    return (T##2)(re, im); \
} \
inline T##2 PT_OVL casinh(T##2 a) { \
    const T x = a.x, y = a.y; \
    if (isnan(x)) return (T##2)(isinf(y) ? copysign((T)INFINITY, x) : x, y == (T)0 ? y : (T)NAN); \
    if (isnan(y)) return (T##2)(isinf(x) ? x : (T)NAN, (T)NAN); \
    /* asinh z = -i asin(iz) */ \
    const T##2 p = pt_asin_parts(fabs(y), fabs(x), 0); \
    return (T##2)(copysign(p.y, x), copysign(p.x, y)); \
} \
inline T##2 PT_OVL casin(T##2 a) { const T##2 r = casinh((T##2)(-a.y, a.x)); return (T##2)(r.y, -r.x); } \
inline T##2 PT_OVL cacos(T##2 a) { \
    const T x = a.x, y = a.y; \
    if (isnan(x)) return (T##2)(x, isinf(y) ? -y : (T)NAN); \
    if (isnan(y)) return isinf(x) ? (T##2)(y, (T)-INFINITY) : (T##2)(x == (T)0 ? (T)1.5707963267948966 : y, y); \
    const T##2 p = pt_asin_parts(fabs(x), fabs(y), 1); \
    return (T##2)(signbit(x) ? (T)3.141592653589793 - p.x : p.x, copysign(p.y, -y)); \
} \
inline T##2 PT_OVL cacosh(T##2 a) { \
    /* acosh z = +-i acos z, the sign making the real part >= 0 */ \
    const T##2 w = cacos(a); \
    if (isnan(w.x) && isnan(w.y)) return (T##2)(w.y, w.x); \
    if (isnan(w.x)) return (T##2)(fabs(w.y), w.x); \
    if (isnan(w.y)) return (T##2)(w.y, w.x); /* acosh(+-0 + NaN j) = NaN + pi/2 j */ \
    return (T##2)(fabs(w.y), copysign(w.x, a.y)); \
} \
inline T##2 PT_OVL catanh(T##2 a) { \
    const T x = a.x, y = a.y, ax = fabs(x), ay = fabs(y); \
    if (isnan(x) || isnan(y)) { \
        if (isinf(x)) return (T##2)(copysign((T)0, x), (T)NAN); \
        if (isinf(y)) return (T##2)(copysign((T)0, x), copysign((T)1.5707963267948966, y)); \
        return (T##2)(x == (T)0 ? x : (T)NAN, (T)NAN); \
    } \
    if (y == (T)0 && ax <= (T)1) return (T##2)(atanh(x), y); \
    if (x == (T)0) return (T##2)(x, atan(y)); \
    T re, im; \
    if (ax > (T)(BIG) || ay > (T)(BIG)) { \
        /* atanh z = atanh(1/z) + i pi/2 ~ 1/z + i pi/2 */ \
        const T h = hypot(ax, ay); \
        re = isinf(h) ? (T)0 : (ax / h) / h; \
        im = (T)1.5707963267948966; \
    } else { \
        /* re = log(|1 + z| / |1 - z|) / 2: log1p form where it may be small, \
         * logs of moduli near the pole z = 1 where |1 - z|^2 underflows */ \
        const T d = ((T)1 - ax) * ((T)1 - ax) + ay * ay; \
        re = ax >= (T)0.5 && d < (T)1 \
            ? (T)0.5 * (log(hypot((T)1 + ax, ay)) - log(hypot((T)1 - ax, ay))) \
            : (T)0.25 * log1p((T)4 * ax / d); \
        im = (T)0.5 * atan2((T)2 * ay, ((T)1 - ax) * ((T)1 + ax) - ay * ay); \
    } \
    return (T##2)(copysign(re, x), copysign(im, y)); \
} \
inline T##2 PT_OVL catan(T##2 a) { const T##2 r = catanh((T##2)(-a.y, a.x)); return (T##2)(r.y, -r.x); } \
inline int PT_OVL cisnan(T##2 a) { return isnan(a.x) || isnan(a.y); } \
inline int PT_OVL cisinf(T##2 a) { return isinf(a.x) || isinf(a.y); } \
inline int PT_OVL cisfinite(T##2 a) { return isfinite(a.x) && isfinite(a.y); }

PT_COMPLEX_FUNCS(float, 1e10f, 1e-4f)
#ifdef cl_khr_fp64
PT_COMPLEX_FUNCS(double, 1e100, 1e-8)
#endif

#endif
