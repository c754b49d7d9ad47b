## Fast Fourier transforms behind portatensor.fft (driver: portatensor/ops/fft.py).
##
## Every kernel transforms rows: row b of a batch of B rows, element i of a
## row at  off + (b / B2) * s1 + (b % B2) * s2 + i * es  (two batch strides
## cover any axis of a contiguous array moved last, so the first pass reads
## the caller's view and the last pass writes the result in place). Reads at
## i >= in_len give zero (zero padding, cropping); writes at i >= out_len are
## dropped (rfft keeps n // 2 + 1 outputs). The direction is the runtime sign
## of the exponent (-1 forward, +1 inverse) and `scale` multiplies the stored
## values, so the norm costs no extra pass.
##
## Entries: radix (Stockham autosort pass, radix R in {2, 3, 4, 5, 7} unrolled
## at compile time), dft (one pass of any radix R given at run time, O(n R),
## for the primes 11..64), twiddles (their table), chirp (Bluestein's pre/post chirp multiply and its
## filter) and hermitian (the full spectrum of a Hermitian signal for
## irfft/hfft). Lengths, strides and radices of dft are arguments, so one
## kernel per (entry, dtype, R) serves every shape.
<%!
    import math

    REAL = {"complex64": "float", "complex128": "double"}

    # The row geometry every entry takes after its own parameters (ops/fft.py: Geometry.args).
    GEOMETRY = [("scalar", "long", n) for n in ("B2", "in_off", "in_s1", "in_s2", "in_es", "in_len",
                                               "out_off", "out_s1", "out_s2", "out_es", "out_len")]
%>

## Helpers each entry's program needs: the exact-angle twiddle and the row addressing.
<%def name="helpers(T)">\
<%include file="dtypes.h"/>
<%include file="complex.h"/>
/* exp(sign * 2 pi i m / L) for 0 <= m < L.
 * NOTE: the angle is formed as the integer ratio m / L folded into
 * (-1/2, 1/2] turns and handed to sinpi/cospi, so a float32 twiddle keeps a
 * few ulp however large L is (2 pi m / L in float32 loses ~m ulp). */
inline ${T}2 pt_twiddle(long m, long L, int sign) {
    if (2 * m > L) m -= L;
    const ${T} t = (${T})(2 * m) / (${T})L;
    return (${T}2)(cospi(t), (${T})sign * sinpi(t));
}
/* A forward twiddle from the table (the twiddles entry), conjugated for sign +1. */
inline ${T}2 pt_signed(${T}2 v, int sign) { return sign < 0 ? v : conj(v); }
inline long pt_row(long b, long B2, long off, long s1, long s2) {
    return off + (b / B2) * s1 + (b % B2) * s2;
}
</%def>

## One Stockham pass of radix R (compile time): work-item j of row b reads
## x[j + r n/R], r < R, twiddles them, does the R-point DFT and writes
## y[(j / Ns) Ns R + j % Ns + q Ns], q < R. Ns is the product of the radices
## already done; the output is in natural order after the last pass.
<%def name="radix(dtypes, rank, R)">\
<%
    T = REAL[dtypes[0]]
    T2 = T + "2"

    def term(r, q):
        # v_r times exp(sign * 2 pi i r q / R), exact where the root is 1, -1, i or -i.
        e = (r * q) % R
        if e == 0:
            return f"v{r}"
        if 2 * e == R:
            return f"(-v{r})"
        if 4 * e == R:
            return f"(({T2})(-sg * v{r}.y, sg * v{r}.x))"
        if 4 * e == 3 * R:
            return f"(({T2})(sg * v{r}.y, -sg * v{r}.x))"
        return f"(({T2})(C{e} * v{r}.x - S{e} * v{r}.y, S{e} * v{r}.x + C{e} * v{r}.y))"

    consts = [e for e in range(1, R) if 4 * e % R != 0]
%>\
${helpers(T)}
${d.kernel("radix", [("out", T2, "y"), ("in", T2, "x"), ("in", T2, "w"), ("scalar", "long", "n"),
                     ("scalar", "long", "Ns"), ("scalar", "int", "sign"), ("scalar", T, "scale")] + GEOMETRY)}
{
    const long j = (long)${d.global_id(0)};
    const long b = (long)${d.global_id(1)};
    const long m = n / ${R};
    if (j >= m) return;
    const long k = j % Ns;
    const long L = Ns * ${R};
    const long ib = pt_row(b, B2, in_off, in_s1, in_s2);
    const ${T} sg = (${T})sign;
% for e in consts:
    const ${T} C${e} = (${T})${repr(math.cos(2 * math.pi * e / R))};
    const ${T} S${e} = sg * (${T})${repr(math.sin(2 * math.pi * e / R))};
% endfor
% for r in range(R):
    ${T2} v${r} = (${T2})(0, 0);
    if (j + ${r} * m < in_len) v${r} = x[ib + (j + ${r} * m) * in_es];
% endfor
    const long ws = n / L;
% for r in range(1, R):
    v${r} = cmul(v${r}, pt_signed(w[k * ${r} * ws], sign));
% endfor
    const long ob = pt_row(b, B2, out_off, out_s1, out_s2);
    const long o = (j / Ns) * L + k;
% for q in range(R):
    if (o + ${q} * Ns < out_len) y[ob + (o + ${q} * Ns) * out_es] = (${" + ".join(term(r, q) for r in range(R))}) * scale;
% endfor
}
</%def>

## One pass of any radix R (run time), one output per work-item: the twiddle
## and the R-point DFT fold into exp(sign 2 pi i r (k + q Ns) / (Ns R)).
<%def name="dft(dtypes, rank)">\
<% T = REAL[dtypes[0]] %>\
${helpers(T)}
${d.kernel("dft", [("out", T + "2", "y"), ("in", T + "2", "x"), ("in", T + "2", "w"), ("scalar", "long", "n"),
                   ("scalar", "long", "R"), ("scalar", "long", "Ns"), ("scalar", "int", "sign"), ("scalar", T, "scale")]
           + GEOMETRY)}
{
    const long t = (long)${d.global_id(0)};
    const long b = (long)${d.global_id(1)};
    if (t >= n) return;
    const long m = n / R;
    const long q = t / m, j = t % m;
    const long k = j % Ns, L = Ns * R, step = k + q * Ns, ws = n / L;
    const long ib = pt_row(b, B2, in_off, in_s1, in_s2);
    ${T}2 acc = (${T}2)(0, 0);
    long e = 0;
    for (long r = 0; r < R; ++r) {
        const long i = j + r * m;
        if (i < in_len) acc += cmul(x[ib + i * in_es], pt_signed(w[e * ws], sign));
        e += step;
        if (e >= L) e -= L;
    }
    const long o = (j / Ns) * L + k + q * Ns;
    if (o < out_len) y[pt_row(b, B2, out_off, out_s1, out_s2) + o * out_es] = acc * scale;
}
</%def>

## The twiddle table of a length-n transform, w[m] = exp(-2 pi i m / n), read by radix and dft:
## n sinpi/cospi pairs once instead of (R - 1) / R per element in every pass.
<%def name="twiddles(dtypes, rank)">\
<% T = REAL[dtypes[0]] %>\
${helpers(T)}
${d.kernel("twiddles", [("out", T + "2", "w"), ("scalar", "long", "n")])}
{
    const long m = (long)${d.global_id(0)};
    if (m < n) w[m] = pt_twiddle(m, n, -1);
}
</%def>

## Bluestein's chirp w(j) = exp(sign pi i j^2 / n) (j^2 reduced mod 2n in
## integers, so the angle stays exact for any n):
##   mode 0, pre:    y[j] = x[j] w(j) for j < in_len, 0 up to the padded length
##   mode 1, filter: y[j] = conj(w(j)) and y[M - j] = conj(w(j)) for j < n, else 0 (M = out_len; x unused)
##   mode 2, post:   y[j] = x[j] w(j) scale
<%def name="chirp(dtypes, rank)">\
<% T = REAL[dtypes[0]] %>\
${helpers(T)}
${d.kernel("chirp", [("out", T + "2", "y"), ("in", T + "2", "x"), ("scalar", "long", "n"), ("scalar", "int", "mode"),
                     ("scalar", "int", "sign"), ("scalar", T, "scale")] + GEOMETRY)}
{
    const long j = (long)${d.global_id(0)};
    const long b = (long)${d.global_id(1)};
    if (j >= out_len) return;
    ${T}2 v = (${T}2)(0, 0);
    if (mode == 1) {
        const long h = j < n ? j : out_len - j;
        if (h < n) v = conj(pt_twiddle((h * h) % (2 * n), 2 * n, sign));
    } else if (j < in_len) {
        v = cmul(x[pt_row(b, B2, in_off, in_s1, in_s2) + j * in_es], pt_twiddle((j * j) % (2 * n), 2 * n, sign));
    }
    y[pt_row(b, B2, out_off, out_s1, out_s2) + j * out_es] = v * scale;
}
</%def>

## The length-n spectrum of a real signal from its first n // 2 + 1 terms:
## y[k] = x[k] for k <= n / 2, conj(x[n - k]) above (x read up to in_len).
<%def name="hermitian(dtypes, rank)">\
<% T = REAL[dtypes[0]] %>\
${helpers(T)}
${d.kernel("hermitian", [("out", T + "2", "y"), ("in", T + "2", "x"), ("scalar", "long", "n")] + GEOMETRY)}
{
    const long k = (long)${d.global_id(0)};
    const long b = (long)${d.global_id(1)};
    if (k >= out_len) return;
    const long h = k <= n / 2 ? k : n - k;
    ${T}2 v = (${T}2)(0, 0);
    if (h < in_len) v = x[pt_row(b, B2, in_off, in_s1, in_s2) + h * in_es];
    y[pt_row(b, B2, out_off, out_s1, out_s2) + k * out_es] = k <= n / 2 ? v : conj(v);
}
</%def>
