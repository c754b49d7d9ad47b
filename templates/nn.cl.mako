## Fused row kernels for nn: softmax / log-softmax, cross-entropy, layer norm,
## and the row gather / scatter-add behind embedding and index_select.
##
## Rows are contiguous runs of `cols` elements starting at `off + r * cols`.
## One work-item per row walks its row in order: what PoCL wants (it runs a
## work-group's items in a loop; no barriers) and fine for the row lengths of
## classifiers and transformers. Accumulation is in the compute type (float for
## half/bfloat16 storage).
<%namespace name="c" file="_common.mako"/>
<%! SEG, UN = 256, 4 %>

<%def name="softmax(dtypes, rank, log)">\
<%
    dt = dtypes[0]
    ct = c.attr.COMPUTE[dt]
    pt = c.attr.C[dt] if dt != "float16" else "half"
%>\
<%include file="dtypes.h"/>
${d.kernel("softmax", [("out", pt, "y"), ("in", pt, "x"), ("scalar", "int", "x_off"), ("scalar", "int", "rows"), ("scalar", "int", "cols")])}
{
    const int r = (int)${d.global_id(0)};
    if (r >= rows) return;
    const int base = x_off + r * cols;
    const int obase = r * cols;
    ${ct} m = -INFINITY;
    for (int j = 0; j < cols; ++j) { const ${ct} v = ${capture(c.load, dt, "x", "base + j")}; m = v > m ? v : m; }
    ${ct} s = (${ct})0;
    for (int j = 0; j < cols; ++j) s += exp(${capture(c.load, dt, "x", "base + j")} - m);
% if log:
    const ${ct} lse = m + log(s);
    for (int j = 0; j < cols; ++j) { ${c.store(dt, "y", "obase + j", f"{capture(c.load, dt, 'x', 'base + j')} - lse")} }
% else:
    const ${ct} inv = (${ct})1 / s;
    for (int j = 0; j < cols; ++j) { ${c.store(dt, "y", "obase + j", f"exp({capture(c.load, dt, 'x', 'base + j')} - m) * inv")} }
% endif
}
</%def>

## gx = y * (g - sum(g * y)) for softmax; gx = g - exp(y) * sum(g) for log-softmax.
<%def name="softmax_bw(dtypes, rank, log)">\
<%
    dt = dtypes[0]
    ct = c.attr.COMPUTE[dt]
    pt = c.attr.C[dt] if dt != "float16" else "half"
%>\
<%include file="dtypes.h"/>
${d.kernel("softmax_bw", [("out", pt, "gx"), ("in", pt, "g"), ("scalar", "int", "g_off"), ("in", pt, "y"), ("scalar", "int", "rows"), ("scalar", "int", "cols")])}
{
    const int r = (int)${d.global_id(0)};
    if (r >= rows) return;
    const int gb = g_off + r * cols;
    const int b = r * cols;
    ${ct} s = (${ct})0;
% if log:
    for (int j = 0; j < cols; ++j) s += ${capture(c.load, dt, "g", "gb + j")};
    for (int j = 0; j < cols; ++j) { ${c.store(dt, "gx", "b + j", f"{capture(c.load, dt, 'g', 'gb + j')} - exp({capture(c.load, dt, 'y', 'b + j')}) * s")} }
% else:
    for (int j = 0; j < cols; ++j) s += ${capture(c.load, dt, "g", "gb + j")} * ${capture(c.load, dt, "y", "b + j")};
    for (int j = 0; j < cols; ++j) { ${c.store(dt, "gx", "b + j", f"{capture(c.load, dt, 'y', 'b + j')} * ({capture(c.load, dt, 'g', 'gb + j')} - s)")} }
% endif
}
</%def>

## Per-row cross-entropy from logits and class indices with class weights wt
## (ones when the caller has none) and label smoothing eps, as PyTorch:
## loss = (1 - eps) wt[t] (lse - x[t]) + eps / cols * sum_j wt[j] (lse - x[j]);
## valid[r] = wt[t], the row's share of the 'mean' divisor (0 where target ==
## ignore_index).
<%def name="xent(dtypes, rank)">\
<%
    dt = dtypes[0]
    ct = c.attr.COMPUTE[dt]
    pt = c.attr.C[dt] if dt != "float16" else "half"
%>\
<%include file="dtypes.h"/>
${d.kernel("xent", [("out", ct, "loss"), ("out", ct, "valid"), ("in", pt, "x"), ("scalar", "int", "x_off"), ("in", "long", "tgt"), ("scalar", "int", "t_off"), ("in", ct, "wt"), ("scalar", "int", "rows"), ("scalar", "int", "cols"), ("scalar", "long", "ignore_index"), ("scalar", ct, "eps")])}
{
    const int r = (int)${d.global_id(0)};
    if (r >= rows) return;
    const long t = tgt[t_off + r];
    if (t == ignore_index || t < 0 || t >= cols) { loss[r] = (${ct})0; valid[r] = (${ct})0; return; }
    const int base = x_off + r * cols;
    ${ct} m = -INFINITY;
    ${ct} swx = (${ct})0, sw = (${ct})0;
    for (int j = 0; j < cols; ++j) {
        const ${ct} v = ${capture(c.load, dt, "x", "base + j")};
        m = v > m ? v : m;
        swx += wt[j] * v;
        sw += wt[j];
    }
    ${ct} s = (${ct})0;
    for (int j = 0; j < cols; ++j) s += exp(${capture(c.load, dt, "x", "base + j")} - m);
    const ${ct} lse = m + log(s);
    const ${ct} xt = ${capture(c.load, dt, "x", "base + (int)t")};
    const ${ct} wtt = wt[t];
    loss[r] = ((${ct})1 - eps) * wtt * (lse - xt) + eps / (${ct})cols * (lse * sw - swx);
    valid[r] = wtt;
}
</%def>

## The 'sum' or 'mean' of the per-row losses in one work-item (a few thousand rows
## at most in the models this serves): y (x's dtype, 0-d) and count = sum(valid),
## the 'mean' divisor backward reads.
<%def name="xent_reduce(dtypes, rank)">\
<%
    dt = dtypes[0]
    ct = c.attr.COMPUTE[dt]
    pt = c.attr.C[dt] if dt != "float16" else "half"
%>\
<%include file="dtypes.h"/>
${d.kernel("xent_reduce", [("out", pt, "y"), ("out", ct, "count"), ("in", ct, "loss"), ("in", ct, "valid"), ("scalar", "int", "rows"), ("scalar", "int", "mean")])}
{
    if (${d.global_id(0)} != 0) return;
    ${ct} s = (${ct})0, n = (${ct})0;
    for (int r = 0; r < rows; ++r) { s += loss[r]; n += valid[r]; }
    count[0] = n;
    ${c.store(dt, "y", "0", "mean ? s / n : s")}
}
</%def>

## gx[r, j] = scale * (p[j] ((1 - eps) wt[t] + eps / cols * sum(wt)) - (1 - eps) wt[t] [j == t] - eps / cols * wt[j]),
## p = softmax(x), 0 on ignored rows; scale = g[r * g_st] (/ count[0] for 'mean'),
## read from device buffers, so backward never syncs.
<%def name="xent_bw(dtypes, rank)">\
<%
    dt = dtypes[0]
    ct = c.attr.COMPUTE[dt]
    pt = c.attr.C[dt] if dt != "float16" else "half"
%>\
<%include file="dtypes.h"/>
${d.kernel("xent_bw", [("out", pt, "gx"), ("in", pt, "x"), ("scalar", "int", "x_off"), ("in", "long", "tgt"), ("scalar", "int", "t_off"), ("in", ct, "wt"), ("in", pt, "g"), ("scalar", "int", "g_off"), ("scalar", "int", "g_st"), ("in", ct, "count"), ("scalar", "int", "mean"), ("scalar", "int", "rows"), ("scalar", "int", "cols"), ("scalar", "long", "ignore_index"), ("scalar", ct, "eps")])}
{
    const int r = (int)${d.global_id(0)};
    if (r >= rows) return;
    const long t = tgt[t_off + r];
    const int base = x_off + r * cols;
    const int ob = r * cols;
    if (t == ignore_index || t < 0 || t >= cols) {
        for (int j = 0; j < cols; ++j) { ${c.store(dt, "gx", "ob + j", "(" + ct + ")0")} }
        return;
    }
    const ${ct} sc = ${capture(c.load, dt, "g", "g_off + r * g_st")} / (mean ? count[0] : (${ct})1);
    ${ct} m = -INFINITY;
    ${ct} sw = (${ct})0;
    for (int j = 0; j < cols; ++j) { const ${ct} v = ${capture(c.load, dt, "x", "base + j")}; m = v > m ? v : m; sw += wt[j]; }
    ${ct} s = (${ct})0;
    for (int j = 0; j < cols; ++j) s += exp(${capture(c.load, dt, "x", "base + j")} - m);
    const ${ct} u = eps / (${ct})cols;
    const ${ct} hit = ((${ct})1 - eps) * wt[t];
    const ${ct} coef = (hit + u * sw) / s;
    for (int j = 0; j < cols; ++j) {
        const ${ct} p = exp(${capture(c.load, dt, "x", "base + j")} - m) * coef - u * wt[j] - (j == (int)t ? hit : (${ct})0);
        ${c.store(dt, "gx", "ob + j", "sc * p")}
    }
}
</%def>

## Layer norm over the last `cols` elements: y = (x - mean) * rstd (affine applied by the caller);
## saves mean and rstd per row for backward.
<%def name="layernorm(dtypes, rank)">\
<%
    dt = dtypes[0]
    ct = c.attr.COMPUTE[dt]
    pt = c.attr.C[dt] if dt != "float16" else "half"
%>\
<%include file="dtypes.h"/>
${d.kernel("layernorm", [("out", pt, "y"), ("out", ct, "mean"), ("out", ct, "rstd"), ("in", pt, "x"), ("scalar", "int", "x_off"), ("scalar", "int", "rows"), ("scalar", "int", "cols"), ("scalar", ct, "eps")])}
{
    const int r = (int)${d.global_id(0)};
    if (r >= rows) return;
    const int base = x_off + r * cols;
    ${ct} s = (${ct})0;
    for (int j = 0; j < cols; ++j) s += ${capture(c.load, dt, "x", "base + j")};
    const ${ct} mu = s / (${ct})cols;
    ${ct} v = (${ct})0;
    for (int j = 0; j < cols; ++j) { const ${ct} e = ${capture(c.load, dt, "x", "base + j")} - mu; v += e * e; }
    const ${ct} rs = rsqrt(v / (${ct})cols + eps);
    mean[r] = mu;
    rstd[r] = rs;
    for (int j = 0; j < cols; ++j) { ${c.store(dt, "y", "r * cols + j", f"({capture(c.load, dt, 'x', 'base + j')} - mu) * rs")} }
}
</%def>

## gx = rstd * (gh - mean(gh) - xhat * mean(gh * xhat)), gh the gradient w.r.t. the normalised x.
<%def name="layernorm_bw(dtypes, rank)">\
<%
    dt = dtypes[0]
    ct = c.attr.COMPUTE[dt]
    pt = c.attr.C[dt] if dt != "float16" else "half"
%>\
<%include file="dtypes.h"/>
${d.kernel("layernorm_bw", [("out", pt, "gx"), ("in", pt, "gh"), ("scalar", "int", "g_off"), ("in", pt, "xhat"), ("in", ct, "rstd"), ("scalar", "int", "rows"), ("scalar", "int", "cols")])}
{
    const int r = (int)${d.global_id(0)};
    if (r >= rows) return;
    const int gb = g_off + r * cols;
    const int b = r * cols;
    ${ct} s1 = (${ct})0, s2 = (${ct})0;
    for (int j = 0; j < cols; ++j) {
        const ${ct} g = ${capture(c.load, dt, "gh", "gb + j")};
        s1 += g;
        s2 += g * ${capture(c.load, dt, "xhat", "b + j")};
    }
    const ${ct} inv = (${ct})1 / (${ct})cols;
    const ${ct} rs = rstd[r];
    for (int j = 0; j < cols; ++j) {
        ${c.store(dt, "gx", "b + j", f"rs * ({capture(c.load, dt, 'gh', 'gb + j')} - s1 * inv - {capture(c.load, dt, 'xhat', 'b + j')} * s2 * inv)")}
    }
}
</%def>

## out[i, :] = src[idx[i], :] for rows of `cols` elements; one work-item per output element.
<%def name="gather_rows(dtypes, rank)">\
<%
    dt = dtypes[0]
    pt = c.attr.C[dt] if dt != "float16" else "ushort"
%>\
${d.kernel("gather_rows", [("out", pt, "out"), ("in", pt, "src"), ("scalar", "long", "s_off"), ("in", "long", "idx"), ("scalar", "long", "i_off"), ("scalar", "long", "n"), ("scalar", "long", "cols"), ("scalar", "long", "nrows")])}
{
    const long gid = (long)${d.global_id(0)};
    if (gid >= n * cols) return;
    const long i = gid / cols;
    const long j = gid - i * cols;
    long r = idx[i_off + i];
    if (r < 0) r += nrows;
    out[gid] = src[s_off + r * cols + j];
}
</%def>

## out[v, j] += sum over i with idx[i] == v of g[i, j]: deterministic (no atomics);
## one work-item per output element scans the indices, fine for vocabularies
## and batches of the sizes nn.Embedding sees in small models.
<%def name="scatter_add_rows(dtypes, rank)">\
<%
    dt = dtypes[0]
    ct = c.attr.COMPUTE[dt]
    pt = c.attr.C[dt] if dt != "float16" else "half"
%>\
<%include file="dtypes.h"/>
${d.kernel("scatter_add_rows", [("out", pt, "out"), ("in", pt, "g"), ("scalar", "long", "g_off"), ("in", "long", "idx"), ("scalar", "long", "i_off"), ("scalar", "long", "n"), ("scalar", "long", "cols"), ("scalar", "long", "nrows")])}
{
    const long gid = (long)${d.global_id(0)};
    if (gid >= nrows * cols) return;
    const long v = gid / cols;
    const long j = gid - v * cols;
    ${ct} acc = (${ct})0;
    for (long i = 0; i < n; ++i) {
        long r = idx[i_off + i];
        if (r < 0) r += nrows;
        if (r == v) acc += ${capture(c.load, dt, "g", "g_off + i * cols + j")};
    }
    ${c.store(dt, "out", "gid", "acc")}
}
</%def>

## Batch norm over (N, C, S) contiguous from x_off (S = the spatial size, 1 for (N, C)).
## The statistics kernels run one work-group of WG items per channel (global
## (WG, C), local (WG, 1)): the channel's N rows of S values are cut into
## segments of at most SEG values, item lid walks segments lid, lid + WG, ...
## (a plain loop over contiguous values each), and the partial sums meet in
## local memory. The elementwise kernels run on an (S, C, N) grid: no
## division per element.
<%def name="bn_walk(WG)">\
    const int lid = (int)${d.local_id(0)};
    const long ch = (long)${d.global_id(1)};
    const long nseg = (S + ${SEG} - 1) / ${SEG};
</%def>

## Item lid's values of channel ch: body (a format string) sees the flat
## offset {o} and which of UN independent accumulators {k} to add into (one
## chain of adds would wait on the add latency per value).
<%def name="bn_loop(WG, body)">\
    for (long r = lid; r < N * nseg; r += ${WG}) {
        const long n = r / nseg, j0 = (r - n * nseg) * ${SEG};
        const long b = (n * C + ch) * S + j0;
        const int len = (int)min((long)${SEG}, S - j0);
        int jj = 0;
        for (; jj + ${UN} <= len; jj += ${UN}) {
% for k in range(UN):
            { ${body.format(o=f"b + jj + {k}", k=k)} }
% endfor
        }
        for (; jj < len; ++jj) { ${body.format(o="b + jj", k=0)} }
    }
</%def>

## The sum of every item's v into sh, returned to all (lid 0 adds the WG partials in order: deterministic).
<%def name="bn_allsum(ct, WG, sh, v)">\
    ${sh}[lid] = ${v};
    ${d.barrier()};
    if (lid == 0) {
        ${ct} t = (${ct})0;
        for (int k = 0; k < ${WG}; ++k) t += ${sh}[k];
        ${sh}[${WG}] = t;
    }
    ${d.barrier()};
</%def>

## bn_stats: the channel's batch mean and biased variance (two passes, in the
## compute type), stored as mean and rstd = 1 / sqrt(var + eps), and, when
## update != 0, the running statistics (x's dtype, contiguous) moved:
## running = (1 - momentum) running + momentum stat, the variance unbiased.
<%def name="bn_stats(dtypes, rank, WG)">\
<%
    dt = dtypes[0]
    ct = c.attr.COMPUTE[dt]
    pt = c.attr.C[dt] if dt != "float16" else "half"
%>\
<%include file="dtypes.h"/>
${d.kernel("bn_stats", [("out", ct, "mean"), ("out", ct, "rstd"), ("inout", pt, "run_mean"), ("inout", pt, "run_var"), ("in", pt, "x"), ("scalar", "long", "x_off"), ("scalar", "long", "N"), ("scalar", "long", "C"), ("scalar", "long", "S"), ("scalar", ct, "eps"), ("scalar", ct, "momentum"), ("scalar", "int", "update")])}
{
${bn_walk(WG)}
    ${d.local_array(ct, "sh", WG + 1)};
% for k in range(UN):
    ${ct} s${k} = (${ct})0;
% endfor
${bn_loop(WG, "s{k} += " + capture(c.load, dt, "x", "x_off + {o}") + ";")}
${bn_allsum(ct, WG, "sh", " + ".join(f"s{k}" for k in range(UN)))}
    const ${ct} cnt = (${ct})(N * S);
    const ${ct} mu = sh[${WG}] / cnt;
% for k in range(UN):
    ${ct} v${k} = (${ct})0;
% endfor
${bn_loop(WG, "const " + ct + " e = " + capture(c.load, dt, "x", "x_off + {o}") + " - mu; v{k} += e * e;")}
${bn_allsum(ct, WG, "sh", " + ".join(f"v{k}" for k in range(UN)))}
    if (lid != 0) return;
    const ${ct} var = sh[${WG}];
    mean[ch] = mu;
    rstd[ch] = rsqrt(var / cnt + eps);
    if (update) {
        const ${ct} rm = ${capture(c.load, dt, "run_mean", "ch")};
        const ${ct} rv = ${capture(c.load, dt, "run_var", "ch")};
        ${c.store(dt, "run_mean", "ch", "((" + ct + ")1 - momentum) * rm + momentum * mu")}
        ${c.store(dt, "run_var", "ch", "((" + ct + ")1 - momentum) * rv + momentum * var / (cnt - (" + ct + ")1)")}
    }
}
</%def>

## y = (x - mean[c]) * rstd[c] * w[c] + b[c] on the (S, C, N) grid.
<%def name="bn_apply(dtypes, rank)">\
<%
    dt = dtypes[0]
    ct = c.attr.COMPUTE[dt]
    pt = c.attr.C[dt] if dt != "float16" else "half"
%>\
<%include file="dtypes.h"/>
${d.kernel("bn_apply", [("out", pt, "y"), ("in", pt, "x"), ("scalar", "long", "x_off"), ("in", ct, "mean"), ("in", ct, "rstd"), ("in", pt, "w"), ("in", pt, "b"), ("scalar", "long", "N"), ("scalar", "long", "C"), ("scalar", "long", "S")])}
{
    const long j = (long)${d.global_id(0)}, ch = (long)${d.global_id(1)}, n = (long)${d.global_id(2)};
    if (j >= S || ch >= C || n >= N) return;
    const long i = (n * C + ch) * S + j;
    const ${ct} v = (${capture(c.load, dt, "x", "x_off + i")} - mean[ch]) * rstd[ch];
    ${c.store(dt, "y", "i", f"v * {capture(c.load, dt, 'w', 'ch')} + {capture(c.load, dt, 'b', 'ch')}")}
}
</%def>

## Backward statistics per channel: gb = sum(g), gw = sum(g * xhat), xhat = (x - mean) * rstd.
<%def name="bn_bw_stats(dtypes, rank, WG)">\
<%
    dt = dtypes[0]
    ct = c.attr.COMPUTE[dt]
    pt = c.attr.C[dt] if dt != "float16" else "half"
%>\
<%include file="dtypes.h"/>
${d.kernel("bn_bw_stats", [("out", ct, "gw"), ("out", ct, "gb"), ("in", pt, "g"), ("scalar", "long", "g_off"), ("in", pt, "x"), ("scalar", "long", "x_off"), ("in", ct, "mean"), ("in", ct, "rstd"), ("scalar", "long", "N"), ("scalar", "long", "C"), ("scalar", "long", "S")])}
{
${bn_walk(WG)}
    ${d.local_array(ct, "sg", WG + 1)};
    ${d.local_array(ct, "sx", WG + 1)};
    const ${ct} mu = mean[ch], rs = rstd[ch];
% for k in range(UN):
    ${ct} a${k} = (${ct})0, ax${k} = (${ct})0;
% endfor
${bn_loop(WG, "const " + ct + " gv = " + capture(c.load, dt, "g", "g_off + {o}") + "; a{k} += gv; ax{k} += gv * (" + capture(c.load, dt, "x", "x_off + {o}") + " - mu);")}
    sx[lid] = ${" + ".join(f"ax{k}" for k in range(UN))};
${bn_allsum(ct, WG, "sg", " + ".join(f"a{k}" for k in range(UN)))}
    if (lid != 0) return;
    ${ct} t = (${ct})0;
    for (int k = 0; k < ${WG}; ++k) t += sx[k];
    gw[ch] = t * rs;
    gb[ch] = sg[${WG}];
}
</%def>

## gx = w rstd / M (M g - gb - xhat gw), M = N * S, on the (S, C, N) grid.
<%def name="bn_bw_apply(dtypes, rank)">\
<%
    dt = dtypes[0]
    ct = c.attr.COMPUTE[dt]
    pt = c.attr.C[dt] if dt != "float16" else "half"
%>\
<%include file="dtypes.h"/>
${d.kernel("bn_bw_apply", [("out", pt, "gx"), ("in", pt, "g"), ("scalar", "long", "g_off"), ("in", pt, "x"), ("scalar", "long", "x_off"), ("in", ct, "mean"), ("in", ct, "rstd"), ("in", pt, "w"), ("in", ct, "gw"), ("in", ct, "gb"), ("scalar", "long", "N"), ("scalar", "long", "C"), ("scalar", "long", "S")])}
{
    const long j = (long)${d.global_id(0)}, ch = (long)${d.global_id(1)}, n = (long)${d.global_id(2)};
    if (j >= S || ch >= C || n >= N) return;
    const long i = (n * C + ch) * S + j;
    const ${ct} m = (${ct})(N * S);
    const ${ct} rs = rstd[ch];
    const ${ct} xh = (${capture(c.load, dt, "x", "x_off + i")} - mean[ch]) * rs;
    const ${ct} gv = ${capture(c.load, dt, "g", "g_off + i")};
    ${c.store(dt, "gx", "i", f"{capture(c.load, dt, 'w', 'ch')} * rs / m * (m * gv - gb[ch] - xh * gw[ch])")}
}
</%def>
