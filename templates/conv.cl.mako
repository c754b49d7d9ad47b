## im2col / col2im behind conv1d/conv2d and max/avg pooling.
##
## cols has shape (N, C * KH * KW, OH * OW), contiguous; x is (N, C, H, W)
## contiguous from x_off. One work-item per element; col2im gathers (no
## atomics: each input pixel sums the window positions that read it).
## Shape and geometry are scalar arguments, so one kernel per dtype serves
## every layer.
<%namespace name="c" file="_common.mako"/>

<%def name="im2col(dtypes, rank)">\
<%
    dt = dtypes[0]
    ct = c.attr.COMPUTE[dt]
    pt = c.attr.C[dt] if dt != "float16" else "half"
    geom = [("scalar", "long", n) for n in ("N", "C", "H", "W", "KH", "KW", "SH", "SW", "PH", "PW", "DH", "DW", "OH", "OW")]
%>\
<%include file="dtypes.h"/>
${d.kernel("im2col", [("out", pt, "cols"), ("in", pt, "x"), ("scalar", "long", "x_off")] + geom)}
{
    const long i = (long)${d.global_id(0)};
    const long L = OH * OW;
    if (i >= N * C * KH * KW * L) return;
    const long l = i % L;
    long r = i / L;
    const long kj = r % KW; r /= KW;
    const long ki = r % KH; r /= KH;
    const long ch = r % C;
    const long n = r / C;
    const long h = (l / OW) * SH - PH + ki * DH;
    const long w = (l % OW) * SW - PW + kj * DW;
    ${ct} v = (${ct})0;
    if (h >= 0 && h < H && w >= 0 && w < W) v = ${capture(c.load, dt, "x", "x_off + ((n * C + ch) * H + h) * W + w")};
    ${c.store(dt, "cols", "i", "v")}
}
</%def>

<%def name="col2im(dtypes, rank)">\
<%
    dt = dtypes[0]
    ct = c.attr.COMPUTE[dt]
    pt = c.attr.C[dt] if dt != "float16" else "half"
    geom = [("scalar", "long", n) for n in ("N", "C", "H", "W", "KH", "KW", "SH", "SW", "PH", "PW", "DH", "DW", "OH", "OW")]
%>\
<%include file="dtypes.h"/>
${d.kernel("col2im", [("out", pt, "x"), ("in", pt, "cols"), ("scalar", "long", "c_off")] + geom)}
{
    const long i = (long)${d.global_id(0)};
    if (i >= N * C * H * W) return;
    const long w = i % W;
    long r = i / W;
    const long h = r % H;
    const long nc = r / H;
    const long L = OH * OW;
    ${ct} acc = (${ct})0;
    for (long ki = 0; ki < KH; ++ki) {
        const long hn = h + PH - ki * DH;
        if (hn < 0 || hn % SH) continue;
        const long oh = hn / SH;
        if (oh >= OH) continue;
        for (long kj = 0; kj < KW; ++kj) {
            const long wn = w + PW - kj * DW;
            if (wn < 0 || wn % SW) continue;
            const long ow = wn / SW;
            if (ow >= OW) continue;
            acc += ${capture(c.load, dt, "cols", "c_off + (nc * KH * KW + ki * KW + kj) * L + oh * OW + ow")};
        }
    }
    ${c.store(dt, "x", "i", "acc")}
}
</%def>

## Max pooling over (NC, H, W) planes on an (OW, OH, NC) grid: one work-item per output element keeps
## the window maximum and its flat index h * W + w in the plane (PyTorch's
## return_indices; NaN wins, as in PyTorch). Windows are either strided and
## dilated (KH x KW from oh * SH - PH) or, with adaptive != 0, PyTorch's adaptive
## windows [floor(oh H / OH), ceil((oh + 1) H / OH)).
<%def name="maxpool(dtypes, rank)">\
<%
    dt = dtypes[0]
    ct = c.attr.COMPUTE[dt]
    pt = c.attr.C[dt] if dt != "float16" else "half"
    geom = [("scalar", "long", n) for n in ("NC", "H", "W", "KH", "KW", "SH", "SW", "PH", "PW", "DH", "DW", "OH", "OW")]
%>\
<%include file="dtypes.h"/>
${d.kernel("maxpool", [("out", pt, "y"), ("out", "long", "idx"), ("in", pt, "x"), ("scalar", "long", "x_off")] + geom + [("scalar", "int", "adaptive")])}
{
    const long ow = (long)${d.global_id(0)}, oh = (long)${d.global_id(1)}, p = (long)${d.global_id(2)};
    if (ow >= OW || oh >= OH || p >= NC) return;
    const long i = (p * OH + oh) * OW + ow;
    long h0 = oh * SH - PH, w0 = ow * SW - PW, kh = KH, kw = KW, dh = DH, dw = DW;
    if (adaptive) {
        h0 = (oh * H) / OH; kh = ((oh + 1) * H + OH - 1) / OH - h0; dh = 1;
        w0 = (ow * W) / OW; kw = ((ow + 1) * W + OW - 1) / OW - w0; dw = 1;
    }
    const long base = x_off + p * H * W;
    ${ct} m = -INFINITY;
    long best = -1;
    for (long ki = 0; ki < kh; ++ki) {
        const long h = h0 + ki * dh;
        if (h < 0 || h >= H) continue;
        for (long kj = 0; kj < kw; ++kj) {
            const long w = w0 + kj * dw;
            if (w < 0 || w >= W) continue;
            const ${ct} v = ${capture(c.load, dt, "x", "base + h * W + w")};
            if (best < 0 || v > m || isnan(v)) { m = v; best = h * W + w; }
        }
    }
    ${c.store(dt, "y", "i", "m")}
    idx[i] = best;
}
</%def>

## maxpool whose every window lies inside the image (no padding, not adaptive, no
## ceil-mode overhang): KH x KW known when the kernel is built, so the window is
## unrolled, branch-free (selects) and PoCL vectorizes it across ow. Same results
## and indices as maxpool (a NaN wins, the later of two NaNs).
<%def name="maxpool_inside(dtypes, rank, KH, KW)">\
<%
    dt = dtypes[0]
    ct = c.attr.COMPUTE[dt]
    pt = c.attr.C[dt] if dt != "float16" else "half"
    geom = [("scalar", "int", n) for n in ("H", "W", "SH", "SW", "DH", "DW", "OH", "OW")]
%>\
<%include file="dtypes.h"/>
${d.kernel("maxpool_inside", [("out", pt, "y"), ("out", "long", "idx"), ("in", pt, "x"), ("scalar", "long", "x_off")] + geom)}
{
    const int ow = (int)${d.global_id(0)}, oh = (int)${d.global_id(1)};
    const long p = (long)${d.global_id(2)};
    const long i = (p * OH + oh) * OW + ow;
    const __global ${pt}* plane = x + x_off + p * (long)H * W;
    const int h0 = oh * SH, w0 = ow * SW;
    ${ct} m = ${capture(c.load, dt, "plane", "h0 * W + w0")};
    int best = h0 * W + w0;
% for ki in range(KH):
%   for kj in range(KW):
%     if ki or kj:
    {
        const int at = (h0 + ${ki} * DH) * W + w0 + ${kj} * DW;
        const ${ct} v = ${capture(c.load, dt, "plane", "at")};
        const int take = v > m || isnan(v);
        m = take ? v : m;
        best = take ? at : best;
    }
%     endif
%   endfor
% endfor
    ${c.store(dt, "y", "i", "m")}
    idx[i] = best;
}
</%def>

## Backward of maxpool: each work-item owns one (H, W) plane of gx, zeroes it and
## adds every output gradient of the plane at its saved index (deterministic,
## no atomics; works for any window shape, adaptive ones included).
<%def name="maxpool_bw(dtypes, rank)">\
<%
    dt = dtypes[0]
    ct = c.attr.COMPUTE[dt]
    pt = c.attr.C[dt] if dt != "float16" else "half"
%>\
<%include file="dtypes.h"/>
${d.kernel("maxpool_bw", [("out", pt, "gx"), ("in", pt, "g"), ("scalar", "long", "g_off"), ("in", "long", "idx"), ("scalar", "long", "NC"), ("scalar", "long", "HW"), ("scalar", "long", "L")])}
{
    const long p = (long)${d.global_id(0)};
    if (p >= NC) return;
    const long b = p * HW;
    for (long j = 0; j < HW; ++j) { ${c.store(dt, "gx", "b + j", "(" + ct + ")0")} }
    for (long o = 0; o < L; ++o) {
        const long t = b + idx[p * L + o];
        ${c.store(dt, "gx", "t", f"{capture(c.load, dt, 'gx', 't')} + {capture(c.load, dt, 'g', 'g_off + p * L + o')}")}
    }
}
</%def>
