## Matrix factorisations behind portatensor.linalg: one work-group per matrix of a stack.
##
## Every kernel takes a contiguous stack (nb, rows, cols) that the host already
## copied into a scratch or output buffer in the compute type, and factorises
## matrix `group id` in place. The WG work-items of a group share rows or
## columns of that matrix and meet at barriers; sizes are run-time arguments,
## so one kernel per routine and dtype serves every shape. Every loop is
## bounded: the Jacobi iterations stop after MAX_SWEEPS sweeps at the latest.
##
## Barriers sit only under conditions that are the same for every work-item of
## a group (loop bounds, values read from local memory after a barrier), as
## OpenCL requires. Work-items that hand each other matrix elements meet at
## d.global_barrier(), which also orders global memory.
##
## The Jacobi kernels rotate a whole round of disjoint pairs between two
## barriers rather than one pair per tree reduction: n - 1 barriers a sweep.
##
## NOTE: Mesa's llvmpipe (rusticl) silently stops any loop after 65535
## iterations, counted over all entries of a nested loop (measured 2026-11-26),
## so there these kernels return wrong results once a work-item's loops run
## that long (eigh/svd from about n = 60 at 64 lanes); PoCL has no such limit.
<%namespace name="c" file="_common.mako"/>

<%!
    MAX_SWEEPS = 60
    # Machine epsilon of the compute type (the Jacobi stopping tests).
    EPS = {"float": "FLT_EPSILON", "double": "DBL_EPSILON"}
%>

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

## Cholesky, lower: a (nb, n, n) becomes L with zeros above the diagonal.
## Column by column; the rows below the diagonal update in parallel. A matrix
## that is not positive definite gives NaNs (sqrt of a negative pivot).
<%def name="cholesky(dtypes, rank, wg)">\
<% ct = c.attr.COMPUTE[dtypes[0]] %>\
#define WG ${wg}
${d.kernel("cholesky", [("inout", ct, "a"), ("scalar", "int", "n")])}
{
${prologue()}
    const long ao = g * n * n;
#define A(i, j) a[ao + (long)(i) * n + (j)]
    for (int j = 0; j < n; ++j) {
        const ${ct} djj = sqrt(A(j, j));
        ${d.global_barrier()};
        for (int i = j + lid; i < n; i += WG) A(i, j) = i == j ? djj : A(i, j) / djj;
        ${d.global_barrier()};
        for (int i = j + 1 + lid; i < n; i += WG) {
            const ${ct} lij = A(i, j);
            for (int k = j + 1; k <= i; ++k) A(i, k) -= lij * A(k, j);
        }
        ${d.global_barrier()};
    }
    for (int i = lid; i < n; i += WG)
        for (int k = i + 1; k < n; ++k) A(i, k) = (${ct})0;
}
</%def>

## LU with partial pivoting of a (nb, n, n), the same row operations applied to
## b (nb, n, k), then back substitution: b becomes a^-1 b (k = 0: no right-hand
## side, b unused). res (nb, 3) gets det, the sign of det and log|det|; a
## singular matrix gives det 0, sign 0, log|det| -inf (and inf/NaN in b).
<%def name="lu(dtypes, rank, wg)">\
<% ct = c.attr.COMPUTE[dtypes[0]] %>\
#define WG ${wg}
${d.kernel("lu", [("inout", ct, "a"), ("inout", ct, "b"), ("out", ct, "res"), ("scalar", "int", "n"), ("scalar", "int", "k")])}
{
${prologue()}
    ${d.local_array(ct, "vals", "WG")};
    ${d.local_array("int", "idxs", "WG")};
    const long ao = g * n * n, bo = g * n * k;
#define A(i, j) a[ao + (long)(i) * n + (j)]
#define B(i, j) b[bo + (long)(i) * k + (j)]
    int swaps = 0;
    for (int j = 0; j < n; ++j) {
        ${ct} best = (${ct})-1;
        int bi = j;
        for (int i = j + lid; i < n; i += WG) {
            const ${ct} v = fabs(A(i, j));
            if (v > best) { best = v; bi = i; }
        }
        vals[lid] = best;
        idxs[lid] = bi;
${tree("if (vals[lid + s_] > vals[lid] || (vals[lid + s_] == vals[lid] && idxs[lid + s_] < idxs[lid])) "
       "{ vals[lid] = vals[lid + s_]; idxs[lid] = idxs[lid + s_]; }")}
        const int p = idxs[0];
        if (p != j) {
            ++swaps;
            for (int col = lid; col < n; col += WG) {
                const ${ct} t = A(j, col); A(j, col) = A(p, col); A(p, col) = t;
            }
            for (int col = lid; col < k; col += WG) {
                const ${ct} t = B(j, col); B(j, col) = B(p, col); B(p, col) = t;
            }
        }
        ${d.global_barrier()};
        const ${ct} piv = A(j, j);
        for (int i = j + 1 + lid; i < n; i += WG) {
            ## NOTE: a zero pivot means the whole column below is zero: nothing to eliminate.
            const ${ct} f = piv != (${ct})0 ? A(i, j) / piv : (${ct})0;
            A(i, j) = f;
            for (int col = j + 1; col < n; ++col) A(i, col) -= f * A(j, col);
            for (int col = 0; col < k; ++col) B(i, col) -= f * B(j, col);
        }
        ${d.global_barrier()};
    }
    for (int col = lid; col < k; col += WG) {
        for (int j = n - 1; j >= 0; --j) {
            const ${ct} x = B(j, col) / A(j, j);
            B(j, col) = x;
            for (int i = 0; i < j; ++i) B(i, col) -= A(i, j) * x;
        }
    }
    if (lid == 0) {
        ${ct} det = (swaps & 1) ? (${ct})-1 : (${ct})1;
        ${ct} sign = det;
        ${ct} logabs = (${ct})0;
        for (int j = 0; j < n; ++j) {
            const ${ct} u = A(j, j);
            det *= u;
            sign *= u > (${ct})0 ? (${ct})1 : (u < (${ct})0 ? (${ct})-1 : u);
            logabs += log(fabs(u));
        }
        res[3 * g] = det;
        res[3 * g + 1] = sign;
        res[3 * g + 2] = logabs;
    }
}
</%def>

## Householder QR of a (nb, m, n): a becomes R (zeros below the diagonal),
## q (nb, m, kq) the first kq columns of Q = H_0 ... H_(k-1), k = min(m, n),
## built backwards one column per work-item. tau (nb, k) is scratch. With
## signfix, column j < k of Q is negated where R[j, j] < 0 (then Q's leading
## columns match a's when a's columns are orthonormal: the svd's completion).
<%def name="qr(dtypes, rank, wg)">\
<% ct = c.attr.COMPUTE[dtypes[0]] %>\
#define WG ${wg}
${d.kernel("qr", [("inout", ct, "a"), ("out", ct, "q"), ("inout", ct, "tau"), ("scalar", "int", "m"), ("scalar", "int", "n"), ("scalar", "int", "kq"), ("scalar", "int", "signfix")])}
{
${prologue()}
    ${d.local_array(ct, "red", "WG")};
    const int k = min(m, n);
#define A(i, j) a[g * m * n + (long)(i) * n + (j)]
#define Q(i, j) q[g * m * kq + (long)(i) * kq + (j)]
#define T(j) tau[g * k + (j)]
    for (int j = 0; j < k; ++j) {
        ${ct} part = (${ct})0;
        for (int i = j + 1 + lid; i < m; i += WG) part += A(i, j) * A(i, j);
        red[lid] = part;
${tree("red[lid] += red[lid + s_];")}
        const ${ct} sigma = red[0];
        const ${ct} alpha = A(j, j);
        ${ct} t = (${ct})0, beta = alpha, scale = (${ct})0;
        if (sigma != (${ct})0) {
            const ${ct} nrm = hypot(alpha, sqrt(sigma));
            beta = alpha >= (${ct})0 ? -nrm : nrm;
            t = (beta - alpha) / beta;
            scale = (${ct})1 / (alpha - beta);
        }
        ${d.global_barrier()};
        for (int i = j + 1 + lid; i < m; i += WG) A(i, j) *= scale;
        if (lid == 0) T(j) = t;
        ${d.global_barrier()};
        for (int col = j + 1 + lid; col < n; col += WG) {
            ${ct} w = A(j, col);
            for (int i = j + 1; i < m; ++i) w += A(i, j) * A(i, col);
            w *= t;
            A(j, col) -= w;
            for (int i = j + 1; i < m; ++i) A(i, col) -= A(i, j) * w;
        }
        if (lid == 0) A(j, j) = beta;
        ${d.global_barrier()};
    }
    for (int col = lid; col < kq; col += WG) {
        for (int i = 0; i < m; ++i) Q(i, col) = i == col ? (${ct})1 : (${ct})0;
        for (int j = k - 1; j >= 0; --j) {
            const ${ct} t = T(j);
            if (t == (${ct})0) continue;
            ${ct} s = Q(j, col);
            for (int i = j + 1; i < m; ++i) s += A(i, j) * Q(i, col);
            s *= t;
            Q(j, col) -= s;
            for (int i = j + 1; i < m; ++i) Q(i, col) -= A(i, j) * s;
        }
        if (signfix && col < k && A(col, col) < (${ct})0)
            for (int i = 0; i < m; ++i) Q(i, col) = -Q(i, col);
    }
    ${d.global_barrier()};
    for (int i = lid; i < m; i += WG)
        for (int j = 0; j < min(i, n); ++j) A(i, j) = (${ct})0;
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

## The end of a sweep: every lane reads whether any lane rotated (uniform), and
## the barrier after the read lets the next sweep clear the flags.
<%def name="sweep_done()">\
        int any_ = 0;
        for (int i = 0; i < WG; ++i) any_ |= changed[i];
        ${d.barrier()};
        if (!any_) break;
</%def>

## Symmetric eigen-decomposition of a (nb, n, n) by parallel cyclic Jacobi
## (A <- J^T A J, V <- V J), reading only the lower triangle as NumPy does.
## w (nb, n) gets the eigenvalues ascending; with vec, v (nb, n, n) the
## eigenvectors as columns (else v is unused); rot (nb, n + 1) is scratch.
## The rotations of one round act on disjoint index pairs, so the work-items
## take pairs: first each computes its angle and updates its two columns of A
## (and V), then, after a barrier, its two rows. A rotation is skipped when
## |a_pq| <= max(eps sqrt(|a_pp a_qq|), eps^2 max|a|); a sweep without
## rotations ends the iteration.
<%def name="eigh(dtypes, rank, wg)">\
<% ct = c.attr.COMPUTE[dtypes[0]]; eps = EPS[ct] %>\
#define WG ${wg}
${d.kernel("eigh", [("inout", ct, "a"), ("out", ct, "v"), ("out", ct, "w"), ("inout", ct, "rot"), ("scalar", "int", "n"), ("scalar", "int", "vec")])}
{
${prologue()}
    ${d.local_array(ct, "red", "WG")};
    ${d.local_array("int", "changed", "WG")};
    const long ao = g * n * n;
#define A(i, j) a[ao + (long)(i) * n + (j)]
#define V(i, j) v[ao + (long)(i) * n + (j)]
#define W(j) w[g * n + (j)]
#define ROT(j) rot[g * (n + 1) + (j)]
    const int N = n + (n & 1), npairs = N / 2;
    ${ct} amax = (${ct})0;
    for (int i = lid; i < n; i += WG) {
        for (int k = i + 1; k < n; ++k) A(i, k) = A(k, i);
        for (int k = 0; k <= i; ++k) amax = fmax(amax, fabs(A(i, k)));
        if (vec) for (int k = 0; k < n; ++k) V(i, k) = i == k ? (${ct})1 : (${ct})0;
    }
    red[lid] = amax;
${tree("red[lid] = fmax(red[lid], red[lid + s_]);")}
    const ${ct} floor_ = ${eps} * ${eps} * red[0];
    ${d.global_barrier()};
    for (int sweep = 0; sweep < ${MAX_SWEEPS}; ++sweep) {
        changed[lid] = 0;
        for (int r = 0; r < N - 1; ++r) {
            for (int pi = lid; pi < npairs; pi += WG) {
${round_robin_pair("r", "pi")}
                if (q >= n) continue;
                const ${ct} apq = A(p, q), app = A(p, p), aqq = A(q, q);
                ${ct} cs = (${ct})1, sn = (${ct})0;
                if (fabs(apq) > fmax(${eps} * sqrt(fabs(app)) * sqrt(fabs(aqq)), floor_)) {
                    const ${ct} theta = (aqq - app) / (2 * apq);
                    const ${ct} t = (theta >= (${ct})0 ? (${ct})1 : (${ct})-1) / (fabs(theta) + hypot(theta, (${ct})1));
                    cs = (${ct})1 / sqrt(t * t + (${ct})1);
                    sn = t * cs;
                }
                ROT(2 * pi) = cs;
                ROT(2 * pi + 1) = sn;
                if (sn == (${ct})0) continue;
                changed[lid] = 1;
                for (int k = 0; k < n; ++k) {
                    const ${ct} akp = A(k, p), akq = A(k, q);
                    A(k, p) = cs * akp - sn * akq;
                    A(k, q) = sn * akp + cs * akq;
                }
                if (vec) for (int k = 0; k < n; ++k) {
                    const ${ct} vkp = V(k, p), vkq = V(k, q);
                    V(k, p) = cs * vkp - sn * vkq;
                    V(k, q) = sn * vkp + cs * vkq;
                }
            }
            ${d.global_barrier()};
            for (int pi = lid; pi < npairs; pi += WG) {
${round_robin_pair("r", "pi")}
                if (q >= n) continue;
                const ${ct} cs = ROT(2 * pi), sn = ROT(2 * pi + 1);
                if (sn == (${ct})0) continue;
                for (int k = 0; k < n; ++k) {
                    const ${ct} apk = A(p, k), aqk = A(q, k);
                    A(p, k) = cs * apk - sn * aqk;
                    A(q, k) = sn * apk + cs * aqk;
                }
                A(p, q) = (${ct})0;
                A(q, p) = (${ct})0;
            }
            ${d.global_barrier()};
        }
${sweep_done()}
    }
    if (lid == 0) {
        for (int i = 0; i < n; ++i) W(i) = A(i, i);
        for (int i = 0; i < n; ++i) {
            int best = i;
            for (int j = i + 1; j < n; ++j) if (W(j) < W(best)) best = j;
            if (best != i) {
                const ${ct} t = W(i); W(i) = W(best); W(best) = t;
                if (vec) for (int r = 0; r < n; ++r) {
                    const ${ct} x = V(r, i); V(r, i) = V(r, best); V(r, best) = x;
                }
            }
        }
    }
}
</%def>

## Thin SVD of u (nb, m, n), m >= n, by one-sided (Hestenes) Jacobi: column
## pairs of u rotate until all are orthogonal (|u_p . u_q| <= sqrt(m) eps
## |u_p| |u_q|), V collecting the rotations. Then s (nb, n) gets the column
## norms descending, u the normalised columns (zero columns stay zero) and,
## with vec, v (nb, n, n) the right singular vectors as columns (else unused).
## The pairs of a round (round-robin order) are disjoint columns, so each
## work-item takes whole pairs and a round needs one barrier.
<%def name="svd(dtypes, rank, wg)">\
<% ct = c.attr.COMPUTE[dtypes[0]]; eps = EPS[ct] %>\
#define WG ${wg}
${d.kernel("svd", [("inout", ct, "u"), ("out", ct, "v"), ("out", ct, "s"), ("scalar", "int", "m"), ("scalar", "int", "n"), ("scalar", "int", "vec")])}
{
${prologue()}
    ${d.local_array("int", "changed", "WG")};
#define U(i, j) u[g * m * n + (long)(i) * n + (j)]
#define V(i, j) v[g * n * n + (long)(i) * n + (j)]
#define S(j) s[g * n + (j)]
    const int N = n + (n & 1), npairs = N / 2;
    const ${ct} tol = ${eps} * sqrt((${ct})m);
    if (vec) for (int i = lid; i < n; i += WG) for (int k = 0; k < n; ++k) V(i, k) = i == k ? (${ct})1 : (${ct})0;
    ${d.global_barrier()};
    for (int sweep = 0; sweep < ${MAX_SWEEPS}; ++sweep) {
        changed[lid] = 0;
        for (int r = 0; r < N - 1; ++r) {
            for (int pi = lid; pi < npairs; pi += WG) {
${round_robin_pair("r", "pi")}
                if (q >= n) continue;
                ${ct} al = (${ct})0, be = (${ct})0, ga = (${ct})0;
                for (int i = 0; i < m; ++i) {
                    const ${ct} x = U(i, p), y = U(i, q);
                    al += x * x; be += y * y; ga += x * y;
                }
                if (ga == (${ct})0 || fabs(ga) <= tol * sqrt(al) * sqrt(be)) continue;
                const ${ct} zeta = (be - al) / (2 * ga);
                const ${ct} t = (zeta >= (${ct})0 ? (${ct})1 : (${ct})-1) / (fabs(zeta) + hypot(zeta, (${ct})1));
                const ${ct} cs = (${ct})1 / sqrt(t * t + (${ct})1), sn = t * cs;
                if (sn == (${ct})0) continue;
                changed[lid] = 1;
                for (int i = 0; i < m; ++i) {
                    const ${ct} x = U(i, p), y = U(i, q);
                    U(i, p) = cs * x - sn * y;
                    U(i, q) = sn * x + cs * y;
                }
                if (vec) for (int i = 0; i < n; ++i) {
                    const ${ct} x = V(i, p), y = V(i, q);
                    V(i, p) = cs * x - sn * y;
                    V(i, q) = sn * x + cs * y;
                }
            }
            ${d.global_barrier()};
        }
${sweep_done()}
    }
    for (int col = lid; col < n; col += WG) {
        ${ct} nrm = (${ct})0;
        for (int i = 0; i < m; ++i) nrm += U(i, col) * U(i, col);
        nrm = sqrt(nrm);
        S(col) = nrm;
        if (nrm > (${ct})0) for (int i = 0; i < m; ++i) U(i, col) /= nrm;
    }
    ${d.global_barrier()};
    if (lid == 0) {
        for (int i = 0; i < n; ++i) {
            int best = i;
            for (int j = i + 1; j < n; ++j) if (S(j) > S(best)) best = j;
            if (best != i) {
                const ${ct} t = S(i); S(i) = S(best); S(best) = t;
                for (int r = 0; r < m; ++r) {
                    const ${ct} x = U(r, i); U(r, i) = U(r, best); U(r, best) = x;
                }
                if (vec) for (int r = 0; r < n; ++r) {
                    const ${ct} x = V(r, i); V(r, i) = V(r, best); V(r, best) = x;
                }
            }
        }
    }
}
</%def>
