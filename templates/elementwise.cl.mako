## Elementwise kernels: one output, any number of operands, one expression.
##
## Operand layouts: 't' a tensor, 'z' one element broadcast everywhere, 's' a
## scalar kernel argument. flat=True when every tensor operand and the output
## walk memory with stride 1 over the collapsed index (the fast path); else the
## output shape and every operand's strides (rank dims) are kernel arguments,
## with 32-bit indices also each inner dim's division magic (mg, sh).
##
## exact=True: the range is exactly n work-items (no work-group size given), so no bounds test, which
## would cost PoCL its vectorized work-group loop (a plain copy ran ~1.6x slower with it).
##
## rows=True (strided, not flat) when the output and every operand have stride 1
## or 0 along the innermost collapsed dim: a 2-D range, dim 0 the inner index
## (consecutive work-items on consecutive addresses, so PoCL's work-group loop
## vectorizes into plain vector loads and stores), dim 1 the row, whose offsets
## are the only ones divided out. Layout 'b' is an operand with inner stride 0
## (one value per row: a bias add along channels). Padding copies, slices and
## broadcasts run ~3x faster this way on PoCL than one work-item per element.
##
## Tunables (the "elementwise" family): IPT elements per work-item, either a
## contiguous block each (STRIDED=False: what CPUs want, one long loop per
## item) or spaced by the global size (STRIDED=True: coalesced on GPUs).
<%namespace name="c" file="_common.mako"/>
<%!
    NAMES = "abcdefgh"
%>

<%def name="params(out, ins, flat, rank, idx)"><%
    ps = [("out", c.attr.C[out] if out != "float16" else "half", "out"), ("scalar", idx, "out_off")]
    for j, (dt, lay) in enumerate(ins):
        pt = "half" if dt == "float16" else c.attr.C[dt]
        if lay == "s":
            ps.append(("scalar", c.attr.COMPUTE[dt], f"v{j}"))
        else:
            ps += [("in", pt, f"p{j}"), ("scalar", idx, f"off{j}")]
    ps.append(("scalar", idx, "n"))
    if not flat:
        ps += [("scalar", idx, f"shape{k}") for k in range(rank)]
        ps += [("scalar", idx, f"os{k}") for k in range(rank)]
        for j, (dt, lay) in enumerate(ins):
            if lay in "tb":
                ps += [("scalar", idx, f"st{j}_{k}") for k in range(rank)]
        if idx == "int":
            for k in range(1, rank):
                ps += [("scalar", "uint", f"mg{k}"), ("scalar", "uint", f"sh{k}")]
    return ps
%></%def>

<%def name="ew(dtypes, rank, expr, ins, out, compute, flat, idx64, IPT=1, STRIDED=False, rows=False, exact=False)">\
<%
    idx = "long" if idx64 else "int"
    ## dims whose index is divided out of the work-item's number: all of them, or all but the inner one (rows)
    outer = rank - 1 if rows else rank
    ps = params(out, ins, flat, rank, idx)
    ct = c.attr.COMPUTE[compute]
    ## $T in a table expression is the compute type's real scalar type.
    expr = expr.replace("$T", ct[:-1] if ct in c.attr.COMPLEX else ct)
%>\
<%include file="dtypes.h"/>
% if ct in c.attr.COMPLEX or any(c.attr.COMPUTE[dt] in c.attr.COMPLEX for dt, _ in ins) or out.startswith("complex"):
<%include file="complex.h"/>
% endif
${d.kernel("ew", ps)}
{
% if rows:
    ## the range is exactly (inner, rows): no bounds test, which would cost PoCL its vectorized loop (~3x)
    const ${idx} inner = (${idx})${d.global_id(0)};
    const ${idx} gid = (${idx})${d.global_id(1)} * shape${rank - 1} + inner;
% elif IPT == 1:
    const ${idx} gid = (${idx})${d.global_id(0)};
%   if not exact:
    if (gid >= n) return;
%   endif
% else:
    for (int t = 0; t < ${IPT}; ++t) {
%   if STRIDED:
    const ${idx} gid = (${idx})${d.global_id(0)} + (${idx})t * (${idx})${d.global_size(0)};
%   else:
    const ${idx} gid = (${idx})${d.global_id(0)} * ${IPT} + t;
%   endif
    if (gid >= n) return;
% endif
% if flat:
    const ${idx} o = out_off + gid;
% else:
    ${idx} rem = ${"(" + idx + ")" + d.global_id(1) if rows else "gid"};
    ${idx} o = out_off${" + inner" if rows else ""};
%   for j, (dt, lay) in enumerate(ins):
%     if lay in "tb":
    ${idx} i${j} = off${j}${" + inner" if rows and lay == "t" else ""};
%     endif
%   endfor
%   for k in reversed(range(outer)):
    {
%     if k > 0 and not idx64:
        ## NOTE: rem / shape_k as a multiply-high by a host-computed magic number (ops/elementwise.py
        ## fast_divisor): PoCL cannot vectorize integer division, which made rank-3 kernels ~20x slower than flat.
        const int q = (int)((mul_hi((uint)rem, mg${k}) + (uint)rem) >> sh${k});
        const ${idx} ik = rem - q * shape${k};
        rem = q;
%     elif k > 0:
        const ${idx} q = rem / shape${k};
        const ${idx} ik = rem - q * shape${k};
        rem = q;
%     else:
        const ${idx} ik = rem;
%     endif
        o += ik * os${k};
%     for j, (dt, lay) in enumerate(ins):
%       if lay in "tb":
        i${j} += ik * st${j}_${k};
%       endif
%     endfor
    }
%   endfor
% endif
% for j, (dt, lay) in enumerate(ins):
%   if lay == "s":
    const ${ct} ${NAMES[j]} = ${c.attr.to_compute(dt, ct, f"v{j}")};
%   elif lay == "z":
    const ${ct} ${NAMES[j]} = ${c.attr.to_compute(dt, ct, capture(c.load, dt, f"p{j}", f"off{j}"))};
%   elif flat:
    const ${ct} ${NAMES[j]} = ${c.attr.to_compute(dt, ct, capture(c.load, dt, f"p{j}", f"off{j} + gid"))};
%   else:
    const ${ct} ${NAMES[j]} = ${c.attr.to_compute(dt, ct, capture(c.load, dt, f"p{j}", f"i{j}"))};
%   endif
% endfor
    const ${idx} i = gid;
    ${c.store(out, "out", "o", expr)}
% if IPT > 1:
    }
% endif
}
</%def>
