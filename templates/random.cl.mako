## Random numbers from Philox4x32-10 (kernels_cl/philox.h).
##
## Element gid takes the counter (gid low, gid high, stream low, stream high)
## and key (seed low, seed high): the stream number advances by one per call,
## so each call draws fresh numbers and the result never depends on the
## device, the work-group size or how the launch is split.
<%namespace name="c" file="_common.mako"/>

<%def name="fill(dtypes, rank, dist)">\
<%
    dt = dtypes[0]
    ct = c.attr.COMPUTE[dt]
    pt = c.attr.C[dt] if dt != "float16" else "half"
    st = "long" if dist == "randint" else ct
%>\
<%include file="dtypes.h"/>
<%include file="philox.h"/>
${d.kernel("fill", [("out", pt, "out"), ("scalar", "long", "n"), ("scalar", "uint", "k0"), ("scalar", "uint", "k1"), ("scalar", "uint", "s0"), ("scalar", "uint", "s1"), ("scalar", st, "a"), ("scalar", st, "b")])}
{
    const long gid = (long)${d.global_id(0)};
    if (gid >= n) return;
    pt_philox_ctr ctr;
    ctr.x = (uint)gid;
    ctr.y = (uint)(gid >> 32);
    ctr.z = s0;
    ctr.w = s1;
    const pt_philox_ctr r = pt_philox4x32(ctr, k0, k1);
% if dist == "uniform":
%   if ct == "double":
    const double u = (double)((((ulong)r.x) << 21) ^ (ulong)(r.y >> 11)) * (1.0 / 9007199254740992.0);
%   else:
    const float u = pt_u01f(r.x);
%   endif
    ${c.store(dt, "out", "gid", "a + (b - a) * u")}
% elif dist == "normal":
    const float u1 = ((float)(r.x >> 8) + 1.0f) * (1.0f / 16777216.0f);
    const float u2 = pt_u01f(r.y);
    const float z = sqrt(-2.0f * log(u1)) * cos(6.2831853071795864f * u2);
    ${c.store(dt, "out", "gid", f"a + b * ({ct})z")}
% elif dist == "randint":
    const ulong bits = (((ulong)r.y) << 32) | (ulong)r.x;
    ${c.store(dt, "out", "gid", "a + (long)(bits % (ulong)b)")}
% elif dist == "dropout":
    ## a: drop probability, b: the scale 1 / (1 - p) kept elements get
    ${c.store(dt, "out", "gid", f"(pt_u01f(r.x) < a ? ({ct})0 : b)")}
% endif
}
</%def>
