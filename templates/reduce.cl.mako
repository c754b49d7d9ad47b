## Reductions over any set of axes, in one or two stages.
##
## The input view is split into kept dims (krank, one output each) and reduced
## dims (rank); both are collapsed before codegen. Work-item gid handles output
## gid / nchunks and the chunk gid % nchunks of the R reduced elements:
## 'chunked' walks a contiguous run of indices (what CPUs want: PoCL runs a
## work-group's items in a loop, and grid-stride access is pathological
## there); 'interleaved' takes every nchunks-th index (coalesced on GPUs).
## With nchunks > 1 the partial results go to a scratch buffer that a second
## launch of this kernel reduces.
<%namespace name="c" file="_common.mako"/>

<%def name="reduce(dtypes, rank, krank, inp, acc, out, init, combine, final, layout, idx64)">\
<%
    idx = "long" if idx64 else "int"
    at = c.attr.COMPUTE[acc]
    ps = [("out", "half" if out == "float16" else c.attr.C[out], "out"),
          ("in", "half" if inp == "float16" else c.attr.C[inp], "src"), ("scalar", idx, "src_off"),
          ("scalar", idx, "nout"), ("scalar", idx, "R"), ("scalar", idx, "nchunks"), ("scalar", idx, "chunk")]
    ps += [("scalar", idx, f"kshape{k}") for k in range(krank)]
    ps += [("scalar", idx, f"kst{k}") for k in range(krank)]
    ps += [("scalar", idx, f"rshape{k}") for k in range(rank)]
    ps += [("scalar", idx, f"rst{k}") for k in range(rank)]
%>\
<%include file="dtypes.h"/>
${d.kernel("reduce", ps)}
{
    const ${idx} gid = (${idx})${d.global_id(0)};
    if (gid >= nout * nchunks) return;
    const ${idx} o = gid / nchunks;
    const ${idx} ch = gid - o * nchunks;
    ${idx} base = src_off;
    ${idx} krem = o;
% for k in reversed(range(krank)):
    {
%   if k > 0:
        const ${idx} q = krem / kshape${k};
        base += (krem - q * kshape${k}) * kst${k};
        krem = q;
%   else:
        base += krem * kst${k};
%   endif
    }
% endfor
    ${at} acc = ${init};
% if layout == "chunked":
    const ${idx} r0 = ch * chunk;
    const ${idx} r1 = min(R, r0 + chunk);
    const ${idx} rstep = 1;
% else:
    const ${idx} r0 = ch;
    const ${idx} r1 = R;
    const ${idx} rstep = nchunks;
% endif
% if rank == 1:
    for (${idx} r = r0; r < r1; r += rstep) {
        const ${at} v = (${at})(${c.load(inp, "src", "base + r * rst0")});
        acc = ${combine};
    }
% else:
    for (${idx} r = r0; r < r1; r += rstep) {
        ${idx} rem = r;
        ${idx} off = base;
%   for k in reversed(range(rank)):
%     if k > 0:
        { const ${idx} q = rem / rshape${k}; off += (rem - q * rshape${k}) * rst${k}; rem = q; }
%     else:
        off += rem * rst0;
%     endif
%   endfor
        const ${at} v = (${at})(${c.load(inp, "src", "off")});
        acc = ${combine};
    }
% endif
    ${c.store(out, "out", "gid", final)}
}
</%def>
