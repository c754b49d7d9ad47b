## Sorting and searching kernels over contiguous rows.
##
## Order: NaN sorts last (as NumPy); pt_lt is a strict total order on the
## compute type with NaNs equal to each other and above everything else.
<%namespace name="c" file="_common.mako"/>

<%def name="lt_fn(dt)">\
<% ct = c.attr.COMPUTE[dt] %>\
static inline int pt_lt(const ${ct} a, const ${ct} b) {
% if ct in ("float", "double"):
    return isnan(b) ? !isnan(a) : (a < b);
% else:
    return a < b;
% endif
}
</%def>

## bitonic_step: one compare-exchange step of a bitonic network over rows of
## n keys (virtually padded to a power of two P with +inf, never stored).
## Every comparison puts the smaller pair at the lower position: with flip=1
## the partner of i is mirrored in its block of 2*dist (the merge's first
## step), else it is i + dist. Ties break on the original index, so the sort
## is stable; descending compares keys the other way round, ties still by index.
<%def name="bitonic_step(dtypes, rank, dt, descending)">\
<%
    ps = [("inout", "half" if dt == "float16" else c.attr.C[dt], "keys"), ("inout", "long", "idx"),
          ("scalar", "long", "n"), ("scalar", "long", "half_p"), ("scalar", "long", "total"),
          ("scalar", "long", "dist"), ("scalar", "int", "flip")]
    ct = c.attr.COMPUTE[dt]
    def ld(expr):
        return capture(c.load, dt, "keys", expr)
%>\
<%include file="dtypes.h"/>
${lt_fn(dt)}
${d.kernel("bitonic_step", ps)}
{
    const long t = (long)${d.global_id(0)};
    if (t >= total) return;
    const long row = t / half_p;
    const long q = t - row * half_p;
    const long blk = q / dist;
    const long off = q - blk * dist;
    const long i = blk * 2 * dist + off;
    const long j = flip ? blk * 2 * dist + 2 * dist - 1 - off : i + dist;
    if (j >= n) return;
    const long a = row * n + i, b = row * n + j;
    const ${ct} ka = ${ld("a")};
    const ${ct} kb = ${ld("b")};
    const long ia = idx[a], ib = idx[b];
% if descending:
    const int swap = pt_lt(ka, kb) || (!pt_lt(kb, ka) && ib < ia);
% else:
    const int swap = pt_lt(kb, ka) || (!pt_lt(ka, kb) && ib < ia);
% endif
    if (swap) {
% if dt == "float16":
        ## NOTE: half values move through float (exact) since plain half access needs cl_khr_fp16.
        vstore_half(kb, a, keys);
        vstore_half(ka, b, keys);
% else:
        const ${c.attr.C[dt]} tmp = keys[a];
        keys[a] = keys[b];
        keys[b] = tmp;
% endif
        idx[a] = ib;
        idx[b] = ia;
    }
}
</%def>

## searchsorted: out[r, k] = the insertion point of v[r, k] in the sorted row r
## of s (n keys), leftmost (right=0) or rightmost (right=1). Rows of s repeat
## with stride s_row (0 for one shared sorted array).
<%def name="searchsorted(dtypes, rank, dt, right)">\
<%
    pt_ = "half" if dt == "float16" else c.attr.C[dt]
    ps = [("out", "long", "out"), ("in", pt_, "s"), ("scalar", "long", "s_off"), ("in", pt_, "v"),
          ("scalar", "long", "v_off"), ("scalar", "long", "n"),
          ("scalar", "long", "m"), ("scalar", "long", "s_row"), ("scalar", "long", "total")]
    ct = c.attr.COMPUTE[dt]
%>\
<%include file="dtypes.h"/>
${lt_fn(dt)}
${d.kernel("searchsorted", ps)}
{
    const long t = (long)${d.global_id(0)};
    if (t >= total) return;
    const long row = t / m;
    const ${ct} x = ${capture(c.load, dt, "v", "v_off + t")};
    long lo = 0, hi = n;
    while (lo < hi) {
        const long mid = lo + (hi - lo) / 2;
        const ${ct} y = ${capture(c.load, dt, "s", "s_off + row * s_row + mid")};
% if right:
        if (!pt_lt(x, y)) lo = mid + 1; else hi = mid;
% else:
        if (pt_lt(y, x)) lo = mid + 1; else hi = mid;
% endif
    }
    out[t] = lo;
}
</%def>
