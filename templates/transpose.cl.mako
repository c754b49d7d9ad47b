## Batched 2-D tile transpose: the copy whose input and output walk memory
## with unit stride along different axes (x.T copied, NCHW <-> NHWC).
##
##     out[b, r, c] = src[b, r, c]
##     out address  = out_off + b * os_b + r * os_r + c        (unit stride along c)
##     src address  = src_off + b * is_b + r + c * is_c        (unit stride along r)
##
## A tile is TY rows (r) by TX columns (c). Elements are copied as raw bits of
## their width (dtypes[0] is an unsigned type of the element's size, or
## complex128 for 16 bytes), so one kernel serves every dtype of a size.
##
## Tunables (the "transpose" family):
## - LOCAL=0: one work-item copies a whole tile, row by row: each row is TX
##   contiguous stores, and the TX source cache lines it reads stay in L1
##   across the tile's TY rows. No barriers: what CPU implementations (PoCL)
##   run fastest. NOTE: staging the tile in a private array instead measured
##   slower on PoCL 3.1 (8 against 11 GB/s at 4096^2 float32) and crashed its
##   compiled kernel past 256 elements; walking it column-major was 3-8x slower.
## - LOCAL=1: a work-group of TX*TY/IPT work-items stages the tile in local
##   memory (padded by one to avoid bank conflicts), IPT elements each, loads
##   coalesced along r and stores coalesced along c: the classic GPU transpose.
<%namespace name="c" file="_common.mako"/>
<%def name="transpose(dtypes, rank, idx64, TX, TY, IPT=1, LOCAL=0)">\
<%
    ctype = c.attr.C[dtypes[0]]
    idx = "long" if idx64 else "int"
    ps = [("out", ctype, "out"), ("scalar", idx, "out_off"), ("in", ctype, "src"), ("scalar", idx, "src_off"),
          ("scalar", idx, "R"), ("scalar", idx, "C"), ("scalar", idx, "os_b"), ("scalar", idx, "os_r"),
          ("scalar", idx, "is_b"), ("scalar", idx, "is_c")]
    NT = TX * TY // IPT
    LD = TY + 1
%>\
${d.kernel("transpose", ps)}
{
% if LOCAL:
    ${d.local_array(ctype, "tile", TX * LD)};
    const ${idx} c0 = (${idx})${d.group_id(0)} * ${TX};
    const ${idx} r0 = (${idx})${d.group_id(1)} * ${TY};
    const ${idx} b = (${idx})${d.group_id(2)};
    const int l = (int)${d.local_id(0)};
    const ${idx} ib = src_off + b * is_b + r0 + c0 * is_c;
    const ${idx} ob = out_off + b * os_b + r0 * os_r + c0;
    for (int k = 0; k < ${IPT}; ++k) {
        const int e = l + k * ${NT};
        const int rr = e % ${TY};
        const int cc = e / ${TY};
        if (r0 + rr < R && c0 + cc < C) tile[cc * ${LD} + rr] = src[ib + rr + (${idx})cc * is_c];
    }
    ${d.barrier()};
    for (int k = 0; k < ${IPT}; ++k) {
        const int e = l + k * ${NT};
        const int cc = e % ${TX};
        const int rr = e / ${TX};
        if (r0 + rr < R && c0 + cc < C) out[ob + (${idx})rr * os_r + cc] = tile[cc * ${LD} + rr];
    }
% else:
    const ${idx} c0 = (${idx})${d.global_id(0)} * ${TX};
    const ${idx} r0 = (${idx})${d.global_id(1)} * ${TY};
    if (c0 >= C || r0 >= R) return;
    const ${idx} b = (${idx})${d.global_id(2)};
    const ${idx} ib = src_off + b * is_b + r0 + c0 * is_c;
    const ${idx} ob = out_off + b * os_b + r0 * os_r + c0;
    if (r0 + ${TY} <= R && c0 + ${TX} <= C) {
        for (int rr = 0; rr < ${TY}; ++rr) {
            for (int cc = 0; cc < ${TX}; ++cc) out[ob + (${idx})rr * os_r + cc] = src[ib + (${idx})cc * is_c + rr];
        }
    } else {
        ## An edge tile: the same walk, bounded.
        const int nr = (int)min((${idx})${TY}, R - r0);
        const int nc = (int)min((${idx})${TX}, C - c0);
        for (int rr = 0; rr < nr; ++rr) {
            for (int cc = 0; cc < nc; ++cc) out[ob + (${idx})rr * os_r + cc] = src[ib + (${idx})cc * is_c + rr];
        }
    }
% endif
}
</%def>
