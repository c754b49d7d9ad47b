## Fused optimizer steps: one kernel per parameter reads the parameter, its
## gradient and its state once and writes them back once. Hyper-parameters
## are scalar arguments (no recompiles when they change); only the structural
## choices (momentum, nesterov, decoupled decay) are flags.
<%namespace name="c" file="_common.mako"/>

<%def name="sgd(dtypes, rank, momentum, nesterov)">\
<%
    dt = dtypes[0]
    ct = c.attr.COMPUTE[dt]
    pt = c.attr.C[dt] if dt != "float16" else "half"
    ps = [("inout", pt, "p"), ("scalar", "long", "p_off"), ("in", pt, "g"), ("scalar", "long", "g_off")]
    if momentum:
        ps.append(("inout", ct, "buf"))
    ps += [("scalar", "long", "n"), ("scalar", ct, "lr"), ("scalar", ct, "wd"), ("scalar", ct, "mom"),
           ("scalar", ct, "damp"), ("scalar", "int", "first"), ("scalar", ct, "sign")]
%>\
<%include file="dtypes.h"/>
${d.kernel("sgd", ps)}
{
    const long i = (long)${d.global_id(0)};
    if (i >= n) return;
    const ${ct} pv = ${c.load(dt, "p", "p_off + i")};
    ${ct} dp = sign * ${c.load(dt, "g", "g_off + i")} + wd * pv;
% if momentum:
    const ${ct} b = first ? dp : mom * buf[i] + ((${ct})1 - damp) * dp;
    buf[i] = b;
%   if nesterov:
    dp = dp + mom * b;
%   else:
    dp = b;
%   endif
% endif
    ${c.store(dt, "p", "p_off + i", "pv - lr * dp")}
}
</%def>

## Adam / AdamW: bc1 = 1 - beta1^t, bc2 = 1 - beta2^t computed on the host from the step count.
<%def name="adam(dtypes, rank, decoupled)">\
<%
    dt = dtypes[0]
    ct = c.attr.COMPUTE[dt]
    pt = c.attr.C[dt] if dt != "float16" else "half"
%>\
<%include file="dtypes.h"/>
${d.kernel("adam", [("inout", pt, "p"), ("scalar", "long", "p_off"), ("in", pt, "g"), ("scalar", "long", "g_off"), ("inout", ct, "m"), ("inout", ct, "v"), ("scalar", "long", "n"), ("scalar", ct, "lr"), ("scalar", ct, "b1"), ("scalar", ct, "b2"), ("scalar", ct, "eps"), ("scalar", ct, "wd"), ("scalar", ct, "bc1"), ("scalar", ct, "bc2"), ("scalar", ct, "sign")])}
{
    const long i = (long)${d.global_id(0)};
    if (i >= n) return;
    ${ct} pv = ${c.load(dt, "p", "p_off + i")};
    ${ct} gv = sign * ${c.load(dt, "g", "g_off + i")};
% if decoupled:
    pv = pv * ((${ct})1 - lr * wd);
% else:
    gv = gv + wd * pv;
% endif
    const ${ct} mv = b1 * m[i] + ((${ct})1 - b1) * gv;
    const ${ct} vv = b2 * v[i] + ((${ct})1 - b2) * gv * gv;
    m[i] = mv;
    v[i] = vv;
    ${c.store(dt, "p", "p_off + i", "pv - lr * (mv / bc1) / (sqrt(vv / bc2) + eps)")}
}
</%def>

<%def name="rmsprop(dtypes, rank, momentum, centered)">\
<%
    dt = dtypes[0]
    ct = c.attr.COMPUTE[dt]
    pt = c.attr.C[dt] if dt != "float16" else "half"
    ps = [("inout", pt, "p"), ("scalar", "long", "p_off"), ("in", pt, "g"), ("scalar", "long", "g_off"),
          ("inout", ct, "sq")]
    if momentum:
        ps.append(("inout", ct, "buf"))
    if centered:
        ps.append(("inout", ct, "ga"))
    ps += [("scalar", "long", "n"), ("scalar", ct, "lr"), ("scalar", ct, "alpha"), ("scalar", ct, "eps"),
           ("scalar", ct, "wd"), ("scalar", ct, "mom"), ("scalar", ct, "sign")]
%>\
<%include file="dtypes.h"/>
${d.kernel("rmsprop", ps)}
{
    const long i = (long)${d.global_id(0)};
    if (i >= n) return;
    const ${ct} pv = ${c.load(dt, "p", "p_off + i")};
    const ${ct} gv = sign * ${c.load(dt, "g", "g_off + i")} + wd * pv;
    const ${ct} s = alpha * sq[i] + ((${ct})1 - alpha) * gv * gv;
    sq[i] = s;
% if centered:
    const ${ct} a = alpha * ga[i] + ((${ct})1 - alpha) * gv;
    ga[i] = a;
    const ${ct} avg = sqrt(s - a * a) + eps;
% else:
    const ${ct} avg = sqrt(s) + eps;
% endif
% if momentum:
    const ${ct} b = mom * buf[i] + gv / avg;
    buf[i] = b;
    ${c.store(dt, "p", "p_off + i", "pv - lr * b")}
% else:
    ${c.store(dt, "p", "p_off + i", "pv - lr * gv / avg")}
% endif
}
</%def>
