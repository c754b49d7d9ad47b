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
${d.kernel("im2col", [("out", pt, "cols"), ("in", pt, "x"), ("scalar", "long", "x_off")] + geom + [("scalar", ct, "padval")])}
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
    ${ct} v = padval;
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
