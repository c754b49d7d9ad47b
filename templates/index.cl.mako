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
    val = "1" if mode == "eye" else capture(c.load, dt, "src", "gid")
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
