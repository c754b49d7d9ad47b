## Fused optimizer steps: one kernel per parameter reads the parameter, its
## gradient and its state once and writes them back once. Hyper-parameters
## are scalar arguments (no recompiles when they change); only the structural
## choices (momentum, nesterov, decoupled decay, amsgrad, master) are flags.
## master: a float16/bfloat16 parameter is stepped through its float32 master
## copy mw, and the rounded result is written back into p.
<%namespace name="c" file="_common.mako"/>

<%!
    def param_args(pt, master):
        """The parameter's kernel arguments: p, its offset and (master) the float32 copy."""
        ps = [("inout", pt, "p"), ("scalar", "long", "p_off")]
        if master:
            ps.append(("inout", "float", "mw"))
        return ps
%>

## The parameter's current value in the compute type.
<%def name="pload(dt, master)">${"mw[i]" if master else capture(c.load, dt, "p", "p_off + i")}</%def>

## Store the new parameter value (and its master copy).
<%def name="pstore(dt, ct, master, value)">\
% if master:
{ const ${ct} nv = ${value}; mw[i] = nv; ${c.store(dt, "p", "p_off + i", "nv")} }
% else:
${c.store(dt, "p", "p_off + i", value)}
% endif
</%def>

<%def name="sgd(dtypes, rank, momentum, nesterov, master=False)">\
<%
    dt = dtypes[0]
    ct = c.attr.COMPUTE[dt]
    pt = c.attr.C[dt] if dt != "float16" else "half"
    ps = param_args(pt, master) + [("in", pt, "g"), ("scalar", "long", "g_off")]
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
    const ${ct} pv = ${pload(dt, master)};
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
    ${pstore(dt, ct, master, "pv - lr * dp")}
}
</%def>

## Adam / AdamW: bc1 = 1 - beta1^t, bc2 = 1 - beta2^t computed on the host from the step count.
<%def name="adam(dtypes, rank, decoupled, amsgrad=False, master=False)">\
<%
    dt = dtypes[0]
    ct = c.attr.COMPUTE[dt]
    pt = c.attr.C[dt] if dt != "float16" else "half"
    ps = param_args(pt, master) + [("in", pt, "g"), ("scalar", "long", "g_off"), ("inout", ct, "m"),
                                   ("inout", ct, "v")]
    if amsgrad:
        ps.append(("inout", ct, "vmax"))
    ps += [("scalar", "long", "n"), ("scalar", ct, "lr"), ("scalar", ct, "b1"), ("scalar", ct, "b2"),
           ("scalar", ct, "eps"), ("scalar", ct, "wd"), ("scalar", ct, "bc1"), ("scalar", ct, "bc2"),
           ("scalar", ct, "sign")]
%>\
<%include file="dtypes.h"/>
${d.kernel("adam", ps)}
{
    const long i = (long)${d.global_id(0)};
    if (i >= n) return;
    ${ct} pv = ${pload(dt, master)};
    ${ct} gv = sign * ${c.load(dt, "g", "g_off + i")};
% if decoupled:
    pv = pv * ((${ct})1 - lr * wd);
% else:
    gv = gv + wd * pv;
% endif
    const ${ct} mv = b1 * m[i] + ((${ct})1 - b1) * gv;
    ${ct} vv = b2 * v[i] + ((${ct})1 - b2) * gv * gv;
    m[i] = mv;
    v[i] = vv;
% if amsgrad:
    vv = fmax(vmax[i], vv);
    vmax[i] = vv;
% endif
    ${pstore(dt, ct, master, "pv - lr * (mv / bc1) / (sqrt(vv / bc2) + eps)")}
}
</%def>

<%def name="rmsprop(dtypes, rank, momentum, centered, master=False)">\
<%
    dt = dtypes[0]
    ct = c.attr.COMPUTE[dt]
    pt = c.attr.C[dt] if dt != "float16" else "half"
    ps = param_args(pt, master) + [("in", pt, "g"), ("scalar", "long", "g_off"), ("inout", ct, "sq")]
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
    const ${ct} pv = ${pload(dt, master)};
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
    ${pstore(dt, ct, master, "pv - lr * b")}
% else:
    ${pstore(dt, ct, master, "pv - lr * gv / avg")}
% endif
}
</%def>

## Adagrad: clr = lr / (1 + (step - 1) * lr_decay) computed on the host from the step count.
<%def name="adagrad(dtypes, rank, master=False)">\
<%
    dt = dtypes[0]
    ct = c.attr.COMPUTE[dt]
    pt = c.attr.C[dt] if dt != "float16" else "half"
    ps = param_args(pt, master) + [("in", pt, "g"), ("scalar", "long", "g_off"), ("inout", ct, "acc"),
                                   ("scalar", "long", "n"), ("scalar", ct, "clr"), ("scalar", ct, "wd"),
                                   ("scalar", ct, "eps"), ("scalar", ct, "sign")]
%>\
<%include file="dtypes.h"/>
${d.kernel("adagrad", ps)}
{
    const long i = (long)${d.global_id(0)};
    if (i >= n) return;
    const ${ct} pv = ${pload(dt, master)};
    const ${ct} gv = sign * ${c.load(dt, "g", "g_off + i")} + wd * pv;
    const ${ct} s = acc[i] + gv * gv;
    acc[i] = s;
    ${pstore(dt, ct, master, "pv - clr * gv / (sqrt(s) + eps)")}
}
</%def>

## Adamax: u = max(b2 u, |g| + eps); clr = lr / (1 - b1^t) from the host.
<%def name="adamax(dtypes, rank, master=False)">\
<%
    dt = dtypes[0]
    ct = c.attr.COMPUTE[dt]
    pt = c.attr.C[dt] if dt != "float16" else "half"
    ps = param_args(pt, master) + [("in", pt, "g"), ("scalar", "long", "g_off"), ("inout", ct, "m"),
                                   ("inout", ct, "u"), ("scalar", "long", "n"), ("scalar", ct, "clr"),
                                   ("scalar", ct, "b1"), ("scalar", ct, "b2"), ("scalar", ct, "eps"),
                                   ("scalar", ct, "wd"), ("scalar", ct, "sign")]
%>\
<%include file="dtypes.h"/>
${d.kernel("adamax", ps)}
{
    const long i = (long)${d.global_id(0)};
    if (i >= n) return;
    const ${ct} pv = ${pload(dt, master)};
    const ${ct} gv = sign * ${c.load(dt, "g", "g_off + i")} + wd * pv;
    const ${ct} mv = b1 * m[i] + ((${ct})1 - b1) * gv;
    const ${ct} uv = fmax(b2 * u[i], fabs(gv) + eps);
    m[i] = mv;
    u[i] = uv;
    ${pstore(dt, ct, master, "pv - clr * mv / uv")}
}
</%def>

## Adadelta: sq = rho sq + (1 - rho) g^2; delta = sqrt(acc + eps) / sqrt(sq + eps) g; acc = rho acc + (1 - rho) delta^2.
<%def name="adadelta(dtypes, rank, master=False)">\
<%
    dt = dtypes[0]
    ct = c.attr.COMPUTE[dt]
    pt = c.attr.C[dt] if dt != "float16" else "half"
    ps = param_args(pt, master) + [("in", pt, "g"), ("scalar", "long", "g_off"), ("inout", ct, "sq"),
                                   ("inout", ct, "acc"), ("scalar", "long", "n"), ("scalar", ct, "lr"),
                                   ("scalar", ct, "rho"), ("scalar", ct, "eps"), ("scalar", ct, "wd"),
                                   ("scalar", ct, "sign")]
%>\
<%include file="dtypes.h"/>
${d.kernel("adadelta", ps)}
{
    const long i = (long)${d.global_id(0)};
    if (i >= n) return;
    const ${ct} pv = ${pload(dt, master)};
    const ${ct} gv = sign * ${c.load(dt, "g", "g_off + i")} + wd * pv;
    const ${ct} s = rho * sq[i] + ((${ct})1 - rho) * gv * gv;
    const ${ct} delta = sqrt(acc[i] + eps) / sqrt(s + eps) * gv;
    sq[i] = s;
    acc[i] = rho * acc[i] + ((${ct})1 - rho) * delta * delta;
    ${pstore(dt, ct, master, "pv - lr * delta")}
}
</%def>

## NAdam and RAdam share Adam's moments; the host folds the step's schedule into scalars:
## nadam: p = pmul p - c1 g / d - c2 m / d with d = sqrt(v / bc2) + eps;
## radam: p = pmul p - c m / (sqrt(v) + eps) when adaptive (c holds lr rect sqrt(bc2) / bc1), else p - c m.
## pmul = 1 - lr wd for decoupled weight decay (wd = 0 then), else 1.
<%def name="nadam(dtypes, rank, master=False)">\
<%
    dt = dtypes[0]
    ct = c.attr.COMPUTE[dt]
    pt = c.attr.C[dt] if dt != "float16" else "half"
    ps = param_args(pt, master) + [("in", pt, "g"), ("scalar", "long", "g_off"), ("inout", ct, "m"),
                                   ("inout", ct, "v"), ("scalar", "long", "n"), ("scalar", ct, "b1"),
                                   ("scalar", ct, "b2"), ("scalar", ct, "eps"), ("scalar", ct, "wd"),
                                   ("scalar", ct, "pmul"), ("scalar", ct, "c1"), ("scalar", ct, "c2"),
                                   ("scalar", ct, "bc2"), ("scalar", ct, "sign")]
%>\
<%include file="dtypes.h"/>
${d.kernel("nadam", ps)}
{
    const long i = (long)${d.global_id(0)};
    if (i >= n) return;
    const ${ct} pv = pmul * ${pload(dt, master)};
    const ${ct} gv = sign * ${c.load(dt, "g", "g_off + i")} + wd * pv;
    const ${ct} mv = b1 * m[i] + ((${ct})1 - b1) * gv;
    const ${ct} vv = b2 * v[i] + ((${ct})1 - b2) * gv * gv;
    m[i] = mv;
    v[i] = vv;
    const ${ct} den = sqrt(vv / bc2) + eps;
    ${pstore(dt, ct, master, "pv - c1 * gv / den - c2 * mv / den")}
}
</%def>

<%def name="radam(dtypes, rank, master=False)">\
<%
    dt = dtypes[0]
    ct = c.attr.COMPUTE[dt]
    pt = c.attr.C[dt] if dt != "float16" else "half"
    ps = param_args(pt, master) + [("in", pt, "g"), ("scalar", "long", "g_off"), ("inout", ct, "m"),
                                   ("inout", ct, "v"), ("scalar", "long", "n"), ("scalar", ct, "b1"),
                                   ("scalar", ct, "b2"), ("scalar", ct, "eps"), ("scalar", ct, "wd"),
                                   ("scalar", ct, "pmul"), ("scalar", ct, "cstep"), ("scalar", "int", "adaptive"),
                                   ("scalar", ct, "sign")]
%>\
<%include file="dtypes.h"/>
${d.kernel("radam", ps)}
{
    const long i = (long)${d.global_id(0)};
    if (i >= n) return;
    const ${ct} pv = pmul * ${pload(dt, master)};
    const ${ct} gv = sign * ${c.load(dt, "g", "g_off + i")} + wd * pv;
    const ${ct} mv = b1 * m[i] + ((${ct})1 - b1) * gv;
    const ${ct} vv = b2 * v[i] + ((${ct})1 - b2) * gv * gv;
    m[i] = mv;
    v[i] = vv;
    ${pstore(dt, ct, master, "adaptive ? pv - cstep * mv / (sqrt(vv) + eps) : pv - cstep * mv")}
}
</%def>
