## Batched GEMM, C[b] = A[b] @ B[b], any strides for A and B, C contiguous.
##
## Each work-item computes a TM x TN block of C held in registers; no local
## memory or barriers, which is what CPUs (PoCL) want and a reasonable
## default on GPUs. The tuner's GEMM family replaces this with tuned variants.
## Rows and columns past M and N are clamped on load and skipped on store.
<%namespace name="c" file="_common.mako"/>

<%def name="gemm(dtypes, rank, a, b, out, compute, TM, TN, idx64)">\
<%
    idx = "long" if idx64 else "int"
    ct = c.attr.COMPUTE[compute]
    ps = [("out", "half" if out == "float16" else c.attr.C[out], "C"),
          ("in", "half" if a == "float16" else c.attr.C[a], "A"),
          ("in", "half" if b == "float16" else c.attr.C[b], "B"),
          ("scalar", idx, "M"), ("scalar", idx, "N"), ("scalar", idx, "K"),
          ("scalar", idx, "a_off"), ("scalar", idx, "a_bs"), ("scalar", idx, "a_sm"), ("scalar", idx, "a_sk"),
          ("scalar", idx, "b_off"), ("scalar", idx, "b_bs"), ("scalar", idx, "b_sk"), ("scalar", idx, "b_sn")]
%>\
<%include file="dtypes.h"/>
${d.kernel("gemm", ps)}
{
    const ${idx} n0 = (${idx})${d.global_id(0)} * ${TN};
    const ${idx} m0 = (${idx})${d.global_id(1)} * ${TM};
    const ${idx} bt = (${idx})${d.global_id(2)};
    if (n0 >= N || m0 >= M) return;
    const ${idx} abase = a_off + bt * a_bs;
    const ${idx} bbase = b_off + bt * b_bs;
% for i in range(TM):
    const ${idx} ar${i} = abase + min(m0 + ${i}, M - 1) * a_sm;
% endfor
% for j in range(TN):
    const ${idx} bc${j} = bbase + min(n0 + ${j}, N - 1) * b_sn;
% endfor
% for i in range(TM):
%   for j in range(TN):
    ${ct} acc${i}_${j} = (${ct})0;
%   endfor
% endfor
    for (${idx} k = 0; k < K; ++k) {
% for i in range(TM):
        const ${ct} x${i} = (${ct})(${c.load(a, "A", f"ar{i} + k * a_sk")});
% endfor
% for j in range(TN):
        const ${ct} y${j} = (${ct})(${c.load(b, "B", f"bc{j} + k * b_sk")});
% endfor
% for i in range(TM):
%   for j in range(TN):
        acc${i}_${j} += x${i} * y${j};
%   endfor
% endfor
    }
    const ${idx} cbase = bt * M * N;
% for i in range(TM):
    if (m0 + ${i} < M) {
%   for j in range(TN):
        if (n0 + ${j} < N) { ${c.store(out, "C", f"cbase + (m0 + {i}) * N + n0 + {j}", f"acc{i}_{j}")} }
%   endfor
    }
% endfor
}
</%def>
