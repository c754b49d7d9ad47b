## Backward kernels of autograd that the forward families do not have.
<%namespace name="c" file="_common.mako"/>

## scatter_add_sorted: dst[base + soffs[j]] = sum of g[perm[k]] over the run of
## equal offsets that starts at j (soffs sorted ascending, perm the order that
## sorted them). The work-item at the start of each run sums it in order, so the
## result is deterministic (no atomics); the rest return at once. dst holds
## zeros where no offset points.
<%def name="scatter_add_sorted(dtypes, rank)">\
<%
    dt = dtypes[0]
    ct = c.attr.COMPUTE[dt]
    pt = c.attr.C[dt] if dt != "float16" else "half"
    ps = [("inout", pt, "dst"), ("in", pt, "g"), ("in", "long", "soffs"), ("in", "long", "perm"),
          ("scalar", "long", "base"), ("scalar", "long", "n")]
%>\
<%include file="dtypes.h"/>
${d.kernel("scatter_add_sorted", ps)}
{
    const long j = (long)${d.global_id(0)};
    if (j >= n) return;
    const long o = soffs[j];
    if (j > 0 && soffs[j - 1] == o) return;
    ${ct} acc = (${ct})0;
    for (long k = j; k < n && soffs[k] == o; ++k) {
        acc += ${capture(c.load, dt, "g", "perm[k]")};
    }
    ${c.store(dt, "dst", "base + o", "acc")}
}
</%def>
