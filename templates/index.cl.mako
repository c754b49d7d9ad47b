## Index-pattern kernels: the output element depends on its own (row, col).
##
## tri: out[gid] over a batch of n x m matrices (contiguous), with
## d = col - row: mode 'eye' writes d == k ? 1 : 0; 'tril' keeps src where
## d <= k, 'triu' where d >= k (zeros elsewhere).
<%namespace name="c" file="_common.mako"/>

<%def name="tri(dtypes, rank, dt, mode, idx64)">\
<%
    idx = "long" if idx64 else "int"
    ps = [("out", c.attr.C[dt], "out")]
    if mode != "eye":
        ps.append(("in", c.attr.C[dt], "src"))
    ps += [("scalar", idx, "total"), ("scalar", idx, "n"), ("scalar", idx, "m"), ("scalar", "long", "k")]
    cond = {"eye": "d == k", "tril": "d <= k", "triu": "d >= k"}[mode]
    ## NOTE: a bare 1 converts to a vector type lane by lane, so complex eye spells 1 + 0i.
    one = d.cast(c.attr.C[dt], "1, 0") if dt.startswith("complex") else "1"
    val = one if mode == "eye" else capture(c.load, dt, "src", "gid")
%>\
<%include file="dtypes.h"/>
${d.kernel("tri", ps)}
{
    const ${idx} gid = (${idx})${d.global_id(0)};
    if (gid >= total) return;
    const ${idx} q = gid / m;
    const long d = (long)(gid - q * m) - (long)(q % n);
    ${c.store(dt, "out", "gid", f"({cond}) ? ({val}) : 0")}
}
</%def>

## gather: out[i] = src[base + offs[i]] (offs int64, contiguous; out contiguous).
<%def name="gather(dtypes, rank, dt, idx64)">\
<%
    idx = "long" if idx64 else "int"
    ## NOTE: a bit copy: float16 moves as ushort (no cl_khr_fp16 needed).
    pt_ = "ushort" if dt == "float16" else c.attr.C[dt]
    ps = [("out", pt_, "out"), ("in", pt_, "src"), ("in", "long", "offs"), ("scalar", "long", "base"), ("scalar", idx, "n")]
%>\
<%include file="dtypes.h"/>
${d.kernel("gather", ps)}
{
    const ${idx} gid = (${idx})${d.global_id(0)};
    if (gid >= n) return;
    out[gid] = src[base + offs[gid]];
}
</%def>

## scatter: dst[base + offs[i]] = vals[i] (vals contiguous, already dst's dtype).
<%def name="scatter(dtypes, rank, dt, idx64)">\
<%
    idx = "long" if idx64 else "int"
    pt_ = "ushort" if dt == "float16" else c.attr.C[dt]
    ps = [("inout", pt_, "dst"), ("in", pt_, "vals"), ("in", "long", "offs"), ("scalar", "long", "base"),
          ("scalar", idx, "n")]
%>\
<%include file="dtypes.h"/>
${d.kernel("scatter", ps)}
{
    const ${idx} gid = (${idx})${d.global_id(0)};
    if (gid >= n) return;
    dst[base + offs[gid]] = vals[gid];
}
</%def>

## compact: for each i with mask[i] != 0, out[csum[i] - 1] = i (csum an inclusive
## running count of the contiguous bool mask): the flat positions of the true elements.
<%def name="compact(dtypes, rank, idx64)">\
<%
    idx = "long" if idx64 else "int"
    ps = [("out", "long", "out"), ("in", "uchar", "mask"), ("in", "long", "csum"), ("scalar", idx, "n")]
%>\
${d.kernel("compact", ps)}
{
    const ${idx} gid = (${idx})${d.global_id(0)};
    if (gid >= n) return;
    if (mask[gid]) out[csum[gid] - 1] = (long)gid;
}
</%def>
