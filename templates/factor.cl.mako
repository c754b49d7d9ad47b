## Matrix factorisations behind portatensor.linalg: one work-group per matrix of a stack.
##
## Every kernel takes a contiguous stack (nb, rows, cols) that the host already
## copied into a scratch or output buffer in the compute type, and factorises
## matrix `group id` in place. The WG work-items of a group share rows or
## columns of that matrix and meet at barriers; sizes are run-time arguments,
## so one kernel per routine and dtype serves every shape, and so are the
## bounds of the work a launch does (STEP_PARAMS, JACOBI_PARAMS): the host
## (ops/factor.py) splits a factorisation into launches of a few columns,
## reflectors or Jacobi rounds, launching a Jacobi kernel again until the
## matrices converge or its sweep limit is reached.
##
## Barriers sit only under conditions that are the same for every work-item of
## a group (loop bounds, values read from local memory after a barrier), as
## OpenCL requires. Work-items that hand each other matrix elements meet at
## d.global_barrier(), which also orders global memory.
##
## The Jacobi kernels rotate a whole round of disjoint pairs between two
## barriers rather than one pair per tree reduction: n - 1 barriers a sweep.
##
## Complex stacks (complex64/complex128, float2/double2 storage) run the same
## bodies: the arithmetic is spelled through the macros of arith() (MUL, CONJ,
## DIV, ABS, ...), which are the plain operators for a real compute type and
## complex.h's functions for a complex one; norms, rotation cosines, pivots'
## magnitudes, eigenvalues and singular values are real (RT).
##
## NOTE: Mesa's llvmpipe (rusticl) silently ends every loop of a kernel once
## a work-item has run 65535 loop iterations in all, over all its loops
## together (measured 2026-11-27); PoCL has no such limit. One launch of the
## whole factorisation made lu (det, inv, solve) and qr wrong there from about
## n = 150, cholesky from about n = 300 and eigh/svd from n = 129. So the host
## plans every launch under _LOOP_CAP iterations per work-item, counted from
## these loops: keep ops/factor.py's cost formulas in step with any loop added
## here. Checked right on rusticl at n = 160 and 320 for all of them
## (2026-11-27). What is still not split, so wrong there past these sizes at
## 64 lanes: one Jacobi unit (eigh n > 1920, a square svd n > 1537), eigh's
## set-up (n > 1110) and svd's finish (square n > 1362).
<%namespace name="c" file="_common.mako"/>

<%!
    # Machine epsilon of the real type (the Jacobi stopping tests).
    EPS = {"float": "FLT_EPSILON", "double": "DBL_EPSILON"}

    def real(ct):
        """The real type of compute type ct (float2 -> float)."""
        return {"float2": "float", "double2": "double"}.get(ct, ct)

    # The step range of a launch: steps (columns, reflectors) [j0, j1), of each only the
    # rows or columns [lo, hi); lo = 0 marks a step's first launch.
    STEP_PARAMS = [("scalar", "int", "j0"), ("scalar", "int", "j1"), ("scalar", "int", "lo"), ("scalar", "int", "hi")]
%>

## The arithmetic of compute type ct: RT its real type, CR(x) the ct of real
## x, RE/IM the parts, CONJ, MUL, DIV, ABS (|z|), ABS2 (|z|^2), NZ (z != 0)
## and UNIT (z / |z|; z itself for 0 and NaN, the sign for real z).
<%def name="arith(ct)">\
<% rt = real(ct) %>\
#define RT ${rt}
% if ct != rt:
<%include file="dtypes.h"/>
<%include file="complex.h"/>
#define CR(x) ((${ct})((RT)(x), (RT)0))
#define RE(z) ((z).x)
#define IM(z) ((z).y)
#define CONJ(z) conj(z)
#define MUL(a, b) cmul(a, b)
#define DIV(a, b) cdiv(a, b)
#define ABS(z) cabs(z)
#define ABS2(z) ((z).x * (z).x + (z).y * (z).y)
#define NZ(z) ((z).x != (RT)0 || (z).y != (RT)0)
#define UNIT(z) (cabs(z) > (RT)0 ? (z) / cabs(z) : (z))
% else:
#define CR(x) ((${ct})(x))
#define RE(z) (z)
#define IM(z) ((RT)0)
#define CONJ(z) (z)
#define MUL(a, b) ((a) * (b))
#define DIV(a, b) ((a) / (b))
#define ABS(z) fabs(z)
#define ABS2(z) ((z) * (z))
#define NZ(z) ((z) != (RT)0)
#define UNIT(z) ((z) > (RT)0 ? (RT)1 : ((z) < (RT)0 ? (RT)-1 : (z)))
% endif
</%def>

## The prologue every kernel shares: the compute type, the group's matrix and
## the work-item's lane.
<%def name="prologue()">\
    const int lid = (int)${d.local_id(0)};
    const long g = (long)${d.group_id(0)};
</%def>

## Tree-reduce the WG partials in `arrs` (local arrays) with `combine` (a C
## statement over arr, lid and s_ that folds lane lid + s_ into lane lid);
## lane 0 holds the result after the last barrier.
<%def name="tree(combine)">\
    ${d.barrier()};
    for (int s_ = WG / 2; s_ > 0; s_ >>= 1) {
        if (lid < s_) { ${combine} }
        ${d.barrier()};
    }
</%def>

## Cholesky, lower: a (nb, n, n) becomes L (a = L L^H) with zeros above the
## diagonal. Column by column; the rows below the diagonal update in parallel.
## A launch runs columns [j0, j1) and of them only rows [lo, hi) (the host
## splits a column's rows over launches when one column alone would run too
## long): a column's launch with lo = 0 takes the pivot's square root and
## zeroes row j right of the diagonal. A matrix that is not positive definite gives
## NaNs (sqrt of a negative pivot); the imaginary part of the diagonal is not
## read.
<%def name="cholesky(dtypes, rank, wg)">\
<% ct = c.attr.COMPUTE[dtypes[0]] %>\
#define WG ${wg}
${arith(ct)}
${d.kernel("cholesky", [("inout", ct, "a"), ("scalar", "int", "n")] + STEP_PARAMS)}
{
${prologue()}
    const long ao = g * n * n;
#define A(i, j) a[ao + (long)(i) * n + (j)]
    const int end = min(n, hi);
    for (int j = j0; j < j1; ++j) {
        const RT djj = lo == 0 ? sqrt(RE(A(j, j))) : RE(A(j, j));
        ${d.global_barrier()};
        for (int i = max(j, lo) + lid; i < end; i += WG) A(i, j) = i == j ? CR(djj) : A(i, j) / djj;
        if (lo == 0) for (int k = j + 1 + lid; k < n; k += WG) A(j, k) = (${ct})0;
        ${d.global_barrier()};
        for (int i = max(j + 1, lo) + lid; i < end; i += WG) {
            const ${ct} lij = A(i, j);
            for (int k = j + 1; k <= i; ++k) A(i, k) -= MUL(lij, CONJ(A(k, j)));
        }
        ${d.global_barrier()};
    }
}
</%def>

## LU with partial pivoting of a (nb, n, n), the same row operations applied to
## b (nb, n, k), then back substitution: b becomes a^-1 b (k = 0: no right-hand
## side, b unused). res (nb, 3) gets det, the sign of det (det / |det|, a
## complex unit for complex a) and log|det| (real), multiplied up pivot by
## pivot; a singular matrix gives det 0, sign 0, log|det| -inf (and inf/NaN in
## b). Pivots by largest |a_ij|. With back = 0 a launch eliminates columns
## [j0, j1), of them only rows [lo, hi); a column's launch with lo = 0 picks
## and swaps its pivot row (and the one with j0 = lo = 0 starts res). With
## back = 1 it back-substitutes rows j1 - 1 down to j0 of the right-hand sides
## [lo, hi).
<%def name="lu(dtypes, rank, wg)">\
<% ct = c.attr.COMPUTE[dtypes[0]] %>\
#define WG ${wg}
${arith(ct)}
${d.kernel("lu", [("inout", ct, "a"), ("inout", ct, "b"), ("inout", ct, "res"), ("scalar", "int", "n"), ("scalar", "int", "k")] + STEP_PARAMS + [("scalar", "int", "back")])}
{
${prologue()}
    ${d.local_array("RT", "vals", "WG")};
    ${d.local_array("int", "idxs", "WG")};
    const long ao = g * n * n, bo = g * n * k;
#define A(i, j) a[ao + (long)(i) * n + (j)]
#define B(i, j) b[bo + (long)(i) * k + (j)]
    if (back) {
        for (int col = lo + lid; col < min(k, hi); col += WG) {
            for (int j = j1 - 1; j >= j0; --j) {
                const ${ct} x = DIV(B(j, col), A(j, j));
                B(j, col) = x;
                for (int i = 0; i < j; ++i) B(i, col) -= MUL(A(i, j), x);
            }
        }
        return;
    }
    if (j0 == 0 && lo == 0 && lid == 0) {
        res[3 * g] = CR(1);
        res[3 * g + 1] = CR(1);
        res[3 * g + 2] = (${ct})0;
    }
    const int end = min(n, hi);
    for (int j = j0; j < j1; ++j) {
        ## NOTE: the head's loops are empty where lo > 0, not skipped by an if: PoCL 3.1 runs the lane-0 code
        ## after a barrier inside a branch once per work-item.
        RT best = (RT)-1;
        int bi = j;
        for (int i = j + lid; i < (lo ? j : n); i += WG) {
            const RT v = ABS(A(i, j));
            if (v > best) { best = v; bi = i; }
        }
        vals[lid] = best;
        idxs[lid] = bi;
${tree("if (vals[lid + s_] > vals[lid] || (vals[lid + s_] == vals[lid] && idxs[lid + s_] < idxs[lid])) "
       "{ vals[lid] = vals[lid + s_]; idxs[lid] = idxs[lid + s_]; }")}
        const int p = idxs[0];
        if (p != j) {
            for (int col = lid; col < n; col += WG) {
                const ${ct} t = A(j, col); A(j, col) = A(p, col); A(p, col) = t;
            }
            for (int col = lid; col < k; col += WG) {
                const ${ct} t = B(j, col); B(j, col) = B(p, col); B(p, col) = t;
            }
        }
        ${d.global_barrier()};
        if (lo == 0 && lid == 0) {
            const ${ct} u = A(j, j), flip = CR(p != j ? -1 : 1);
            res[3 * g] = MUL(MUL(res[3 * g], flip), u);
            res[3 * g + 1] = MUL(MUL(res[3 * g + 1], flip), UNIT(u));
            res[3 * g + 2] = CR(RE(res[3 * g + 2]) + log(ABS(u)));
        }
        const ${ct} piv = A(j, j);
        for (int i = max(j + 1, lo) + lid; i < end; i += WG) {
            ## NOTE: a zero pivot means the whole column below is zero: nothing to eliminate.
            const ${ct} f = NZ(piv) ? DIV(A(i, j), piv) : (${ct})0;
            A(i, j) = f;
            for (int col = j + 1; col < n; ++col) A(i, col) -= MUL(f, A(j, col));
            for (int col = 0; col < k; ++col) B(i, col) -= MUL(f, B(j, col));
        }
        ${d.global_barrier()};
    }
}
</%def>

## Householder QR of a (nb, m, n): a becomes R (zeros below the diagonal),
## q (nb, m, kq) the first kq columns of Q = H_0 ... H_(k-1), k = min(m, n),
## built backwards one column per work-item. tau (nb, k) is scratch. The
## reflectors are LAPACK's (zlarfg): H = I - tau v v^H with v_0 = 1 and a
## real R[j, j], so H^H applies to a and H builds Q. With signfix, column
## j < k of Q is negated where R[j, j] < 0 (then Q's leading columns match
## a's when a's columns are orthonormal: the svd's completion).
## With back = 0 a launch applies reflectors [j0, j1) of a, of them only to
## columns [lo, hi); the launch with lo = 0 forms the reflector. With back = 1
## it applies reflectors j1 - 1 down to j0 to columns [lo, hi) of Q (the
## launch with j1 = k starts them from the identity, the one with j0 = 0 fixes
## signs) and, in the launch that reaches column kq - 1, clears those
## reflectors from below R's diagonal.
<%def name="qr(dtypes, rank, wg)">\
<% ct = c.attr.COMPUTE[dtypes[0]] %>\
#define WG ${wg}
${arith(ct)}
${d.kernel("qr", [("inout", ct, "a"), ("inout", ct, "q"), ("inout", ct, "tau"), ("scalar", "int", "m"), ("scalar", "int", "n"), ("scalar", "int", "kq"), ("scalar", "int", "signfix")] + STEP_PARAMS + [("scalar", "int", "back")])}
{
${prologue()}
    ${d.local_array("RT", "red", "WG")};
    const int k = min(m, n);
#define A(i, j) a[g * m * n + (long)(i) * n + (j)]
#define Q(i, j) q[g * m * kq + (long)(i) * kq + (j)]
#define T(j) tau[g * k + (j)]
    if (back) {
        for (int col = lo + lid; col < min(kq, hi); col += WG) {
            if (j1 == k) for (int i = 0; i < m; ++i) Q(i, col) = i == col ? CR(1) : (${ct})0;
            for (int j = j1 - 1; j >= j0; --j) {
                const ${ct} t = T(j);
                if (!NZ(t)) continue;
                ${ct} s = Q(j, col);
                for (int i = j + 1; i < m; ++i) s += MUL(CONJ(A(i, j)), Q(i, col));
                s = MUL(s, t);
                Q(j, col) -= s;
                for (int i = j + 1; i < m; ++i) Q(i, col) -= MUL(A(i, j), s);
            }
            if (j0 == 0 && signfix && col < k && RE(A(col, col)) < (RT)0)
                for (int i = 0; i < m; ++i) Q(i, col) = -Q(i, col);
        }
        if (hi < kq) return;
        ${d.global_barrier()};
        for (int j = j0; j < j1; ++j)
            for (int i = j + 1 + lid; i < m; i += WG) A(i, j) = (${ct})0;
        return;
    }
    const int end = min(n, hi);
    for (int j = j0; j < j1; ++j) {
        ## NOTE: as in lu, the reflector's loops are empty where lo > 0 rather than skipped by an if.
        ## The column's norm is taken over its entries divided by their largest magnitude: a sum of squares
        ## overflows past sqrt(max float) (1.8e19 in float32) and drops entries under sqrt(min normal).
        RT part = (RT)0;
        for (int i = j + 1 + lid; i < (lo ? 0 : m); i += WG) part = fmax(part, ABS(A(i, j)));
        red[lid] = part;
${tree("red[lid] = fmax(red[lid], red[lid + s_]);")}
        const ${ct} alpha = A(j, j);
        const RT amax = fmax(red[0], ABS(alpha));
        ${d.barrier()};
        part = (RT)0;
        for (int i = j + 1 + lid; i < (lo || amax == (RT)0 ? 0 : m); i += WG) {
            const RT v = ABS(A(i, j)) / amax;
            part += v * v;
        }
        red[lid] = part;
${tree("red[lid] += red[lid + s_];")}
        const RT sigma = red[0];  /* of the scaled entries below the diagonal */
        ${ct} t = (${ct})0, beta = alpha, denom = CR(1);
        if (sigma != (RT)0 || IM(alpha) != (RT)0) {
            const RT nrm = amax * hypot(ABS(alpha) / amax, sqrt(sigma));
            beta = CR(RE(alpha) >= (RT)0 ? -nrm : nrm);
            t = DIV(beta - alpha, beta);
            denom = alpha - beta;  /* v = x / denom: 1 / denom overflows for a column of subnormals */
        }
        ${d.global_barrier()};
        if (lo == 0) {
            for (int i = j + 1 + lid; i < m; i += WG) A(i, j) = DIV(A(i, j), denom);
            if (lid == 0) { T(j) = t; A(j, j) = beta; }
        }
        ${d.global_barrier()};
        const ${ct} tj = T(j);
        for (int col = max(j + 1, lo) + lid; col < end; col += WG) {
            ${ct} w = A(j, col);
            for (int i = j + 1; i < m; ++i) w += MUL(CONJ(A(i, j)), A(i, col));
            w = MUL(w, CONJ(tj));
            A(j, col) -= w;
            for (int i = j + 1; i < m; ++i) A(i, col) -= MUL(A(i, j), w);
        }
        ${d.global_barrier()};
    }
}
</%def>

## The round-robin ("chess tournament") ordering of the Jacobi methods: with
## N = n rounded up to even, round r (0 <= r < N - 1) pairs the N indices into
## N/2 disjoint pairs, and the N - 1 rounds meet every pair once (a sweep).
## Pair pi of round r is set in p < q; q == n marks the dummy of an odd n.
<%def name="round_robin_pair(r, pi)">\
        int p = ${pi} == 0 ? N - 1 : (${r} + ${pi}) % (N - 1);
        int q = (${r} + N - 1 - ${pi}) % (N - 1);
        if (p > q) { const int t_ = p; p = q; q = t_; }
</%def>

## The units of a Jacobi launch: units [u0, u1) of the run, `per` of them a
## sweep (a unit is a round, or half a round for eigh), none once conv[2g]
## says an earlier launch converged (stage bit 1, the first launch, starts
## unconverged). The caller's body is one unit (step in scope) and sets mine_ when
## its work-item rotates. At a sweep's end, or the launch's, every lane reads
## whether any lane rotated (uniform); conv[2g + 1] carries that into the next
## launch when a sweep goes on there. A sweep without rotations sets conv[2g].
<%def name="units(per)">\
    int done_ = (stage & 1) ? 0 : conv[2 * g];
    int carried_ = (stage & 1) ? 0 : conv[2 * g + 1];
    int step = u0;
    while (step < u1 && !done_) {
        const int stop_ = min(u1, (step / (${per}) + 1) * (${per}));
        int mine_ = 0;
        for (; step < stop_; ++step) {
${caller.body()}
        }
        changed[lid] = mine_;
        ${d.barrier()};
        for (int i = 0; i < WG; ++i) carried_ |= changed[i];
        ${d.barrier()};
        if (step % (${per}) == 0) { done_ = !carried_; carried_ = 0; }
    }
    if (lid == 0) { conv[2 * g] = done_; conv[2 * g + 1] = carried_; }
</%def>

## The parameters every Jacobi launch adds: the convergence flags (nb, 2), the
## units [u0, u1) to run and the stage bits (1: the first launch initialises,
## 2: the last one finishes).
<%!
    JACOBI_PARAMS = [("inout", "int", "conv"), ("scalar", "int", "u0"), ("scalar", "int", "u1"), ("scalar", "int", "stage")]
%>

## Symmetric/Hermitian eigen-decomposition of a (nb, n, n) by parallel cyclic
## Jacobi (A <- J^H A J, V <- V J), reading only the lower triangle (and the
## real part of the diagonal) as NumPy does. w (nb, n, real) gets the
## eigenvalues (unsorted: the host sorts them and the vectors with them); with
## vec, v (nb, n, n) the eigenvectors as columns
## (else v is unused); rot (nb, n + 2) is scratch (its last entry keeps the
## rotation floor between launches). The rotation of pair
## p < q is J = [[c, s], [-conj(s), c]] on columns p, q with real c and
## s = sin(theta) a_pq / |a_pq|: the real rotation that zeroes |a_pq|,
## conjugated by the phase of a_pq (s = sin(theta) sign(a_pq) for real a).
## The rotations of one round act on disjoint index pairs, so the work-items
## take pairs: first each computes its angle and updates its two columns of A
## (and V), then, after a barrier, its two rows. A rotation is skipped when
## |a_pq| <= max(eps sqrt(|a_pp a_qq|), eps^2 max|a|); a sweep without
## rotations ends the iteration.
<%def name="eigh(dtypes, rank, wg)">\
<% ct = c.attr.COMPUTE[dtypes[0]]; eps = EPS[real(ct)] %>\
#define WG ${wg}
${arith(ct)}
${d.kernel("eigh", [("inout", ct, "a"), ("inout", ct, "v"), ("out", real(ct), "w"), ("inout", ct, "rot"), ("scalar", "int", "n"), ("scalar", "int", "vec")] + JACOBI_PARAMS)}
{
${prologue()}
    ${d.local_array("RT", "red", "WG")};
    ${d.local_array("int", "changed", "WG")};
    const long ao = g * n * n;
#define A(i, j) a[ao + (long)(i) * n + (j)]
#define V(i, j) v[ao + (long)(i) * n + (j)]
#define W(j) w[g * n + (j)]
#define ROT(j) rot[g * (n + 2) + (j)]
    const int N = n + (n & 1), npairs = N / 2;
    RT floor_;
    if (stage & 1) {
        RT amax = (RT)0;
        for (int i = lid; i < n; i += WG) {
            for (int k = i + 1; k < n; ++k) A(i, k) = CONJ(A(k, i));
            A(i, i) = CR(RE(A(i, i)));
            for (int k = 0; k <= i; ++k) amax = fmax(amax, ABS(A(i, k)));
            if (vec) for (int k = 0; k < n; ++k) V(i, k) = i == k ? CR(1) : (${ct})0;
        }
        red[lid] = amax;
${tree("red[lid] = fmax(red[lid], red[lid + s_]);")}
        floor_ = ${eps} * ${eps} * red[0];
        if (lid == 0) ROT(n + 1) = CR(floor_);
    } else {
        floor_ = RE(ROT(n + 1));
    }
    ${d.global_barrier()};
<%self:units per="2 * (N - 1)">
            const int r = (step % (2 * (N - 1))) >> 1;
            if (!(step & 1)) for (int pi = lid; pi < npairs; pi += WG) {
${round_robin_pair("r", "pi")}
                if (q >= n) continue;
                const ${ct} apq = A(p, q);
                const RT app = RE(A(p, p)), aqq = RE(A(q, q)), mag = ABS(apq);
                RT cs = (RT)1;
                ${ct} sn = (${ct})0;
                if (mag > fmax(${eps} * sqrt(fabs(app)) * sqrt(fabs(aqq)), floor_)) {
                    const RT theta = (aqq - app) / (2 * mag);
                    const RT t = (theta >= (RT)0 ? (RT)1 : (RT)-1) / (fabs(theta) + hypot(theta, (RT)1));
                    cs = (RT)1 / sqrt(t * t + (RT)1);
                    sn = (t * cs / mag) * apq;
                }
                ROT(2 * pi) = CR(cs);
                ROT(2 * pi + 1) = sn;
                if (!NZ(sn)) continue;
                mine_ = 1;
                for (int k = 0; k < n; ++k) {
                    const ${ct} akp = A(k, p), akq = A(k, q);
                    A(k, p) = cs * akp - MUL(CONJ(sn), akq);
                    A(k, q) = MUL(sn, akp) + cs * akq;
                }
                if (vec) for (int k = 0; k < n; ++k) {
                    const ${ct} vkp = V(k, p), vkq = V(k, q);
                    V(k, p) = cs * vkp - MUL(CONJ(sn), vkq);
                    V(k, q) = MUL(sn, vkp) + cs * vkq;
                }
            }
            if (step & 1) for (int pi = lid; pi < npairs; pi += WG) {
${round_robin_pair("r", "pi")}
                if (q >= n) continue;
                const RT cs = RE(ROT(2 * pi));
                const ${ct} sn = ROT(2 * pi + 1);
                if (!NZ(sn)) continue;
                for (int k = 0; k < n; ++k) {
                    const ${ct} apk = A(p, k), aqk = A(q, k);
                    A(p, k) = cs * apk - MUL(sn, aqk);
                    A(q, k) = MUL(CONJ(sn), apk) + cs * aqk;
                }
                A(p, q) = (${ct})0;
                A(q, p) = (${ct})0;
            }
            ${d.global_barrier()};
</%self:units>
    if (stage & 2) for (int i = lid; i < n; i += WG) W(i) = RE(A(i, i));
}
</%def>

## Thin SVD of u (nb, m, n), m >= n, by one-sided (Hestenes) Jacobi: column
## pairs of u rotate until all are orthogonal (|u_p^H u_q| <= sqrt(m) eps
## |u_p| |u_q|), V collecting the rotations (eigh's J for the 2 x 2 Gram
## matrix of the pair). Then s (nb, n) gets the column norms (unsorted: the
## host sorts them, and u's and v's columns with them), u the normalised
## columns (zero columns stay zero) and, with vec, v (nb, n, n) the right
## singular vectors as columns (else unused).
## The pairs of a round (round-robin order) are disjoint columns, so each
## work-item takes whole pairs and a round needs one barrier.
<%def name="svd(dtypes, rank, wg)">\
<% ct = c.attr.COMPUTE[dtypes[0]]; eps = EPS[real(ct)] %>\
#define WG ${wg}
${arith(ct)}
${d.kernel("svd", [("inout", ct, "u"), ("inout", ct, "v"), ("out", real(ct), "s"), ("scalar", "int", "m"), ("scalar", "int", "n"), ("scalar", "int", "vec")] + JACOBI_PARAMS)}
{
${prologue()}
    ${d.local_array("int", "changed", "WG")};
#define U(i, j) u[g * m * n + (long)(i) * n + (j)]
#define V(i, j) v[g * n * n + (long)(i) * n + (j)]
#define S(j) s[g * n + (j)]
    const int N = n + (n & 1), npairs = N / 2;
    const RT tol = ${eps} * sqrt((RT)m);
    if ((stage & 1) && vec)
        for (int i = lid; i < n; i += WG) for (int k = 0; k < n; ++k) V(i, k) = i == k ? CR(1) : (${ct})0;
    ${d.global_barrier()};
<%self:units per="N - 1">
            const int r = step % (N - 1);
            for (int pi = lid; pi < npairs; pi += WG) {
${round_robin_pair("r", "pi")}
                if (q >= n) continue;
                RT al = (RT)0, be = (RT)0;
                ${ct} ga = (${ct})0;
                for (int i = 0; i < m; ++i) {
                    const ${ct} x = U(i, p), y = U(i, q);
                    al += ABS2(x); be += ABS2(y); ga += MUL(CONJ(x), y);
                }
                const RT mag = ABS(ga);
                if (mag == (RT)0 || mag <= tol * sqrt(al) * sqrt(be)) continue;
                const RT zeta = (be - al) / (2 * mag);
                const RT t = (zeta >= (RT)0 ? (RT)1 : (RT)-1) / (fabs(zeta) + hypot(zeta, (RT)1));
                const RT cs = (RT)1 / sqrt(t * t + (RT)1);
                const ${ct} sn = (t * cs / mag) * ga;
                if (!NZ(sn)) continue;
                mine_ = 1;
                for (int i = 0; i < m; ++i) {
                    const ${ct} x = U(i, p), y = U(i, q);
                    U(i, p) = cs * x - MUL(CONJ(sn), y);
                    U(i, q) = MUL(sn, x) + cs * y;
                }
                if (vec) for (int i = 0; i < n; ++i) {
                    const ${ct} x = V(i, p), y = V(i, q);
                    V(i, p) = cs * x - MUL(CONJ(sn), y);
                    V(i, q) = MUL(sn, x) + cs * y;
                }
            }
            ${d.global_barrier()};
</%self:units>
    if (!(stage & 2)) return;
    for (int col = lid; col < n; col += WG) {
        RT nrm = (RT)0;
        for (int i = 0; i < m; ++i) nrm += ABS2(U(i, col));
        nrm = sqrt(nrm);
        S(col) = nrm;
        if (nrm > (RT)0) for (int i = 0; i < m; ++i) U(i, col) /= nrm;
    }
}
</%def>

## The Jacobi kernels leave eigenvalues and singular values in pair order.
## sort_cols writes each matrix's n values w sorted (ascending, or descending
## with desc; NaN last either way; ties keep their order) to w_out, and the
## columns of the stacks a (nb, ra, n) and b (nb, rb, n) (ra, rb = 0: none)
## permuted the same way to a_out and b_out. Lane i ranks value i by counting
## the values that sort before it: n^2 comparisons a matrix, one launch in
## place of an argsort and its gathers.
<%def name="sort_cols(dtypes, rank, wg)">\
<% ct = c.attr.COMPUTE[dtypes[0]] %>\
#define WG ${wg}
${arith(ct)}
#define PT_BEFORE(x, y) ((desc ? (x) > (y) : (x) < (y)) || (isnan(y) && !isnan(x)))
${d.kernel("sort_cols", [("out", "RT", "w_out"), ("in", "RT", "w"), ("out", ct, "a_out"), ("in", ct, "a"), ("out", ct, "b_out"), ("in", ct, "b"), ("scalar", "int", "n"), ("scalar", "int", "ra"), ("scalar", "int", "rb"), ("scalar", "int", "desc")])}
{
${prologue()}
    for (int i = lid; i < n; i += WG) {
        const RT vi = w[g * n + i];
        int r = 0;
        for (int j = 0; j < n; ++j) {
            const RT vj = w[g * n + j];
            r += PT_BEFORE(vj, vi) || (j < i && !PT_BEFORE(vi, vj));
        }
        w_out[g * n + r] = vi;
        for (int row = 0; row < ra; ++row) a_out[(g * ra + row) * n + r] = a[(g * ra + row) * n + i];
        for (int row = 0; row < rb; ++row) b_out[(g * rb + row) * n + r] = b[(g * rb + row) * n + i];
    }
}
</%def>
