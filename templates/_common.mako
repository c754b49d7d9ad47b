## Helpers every family uses to spell loads, stores and types per dtype.
## dtype arguments are dtype names ("float32", "float16", "bfloat16", ...).
<%!
    C = {"bool": "uchar", "int8": "char", "int16": "short", "int32": "int", "int64": "long",
         "uint8": "uchar", "uint16": "ushort", "uint32": "uint", "uint64": "ulong",
         "float16": "half", "bfloat16": "ushort", "float32": "float", "float64": "double",
         "complex64": "float2", "complex128": "double2"}
    COMPUTE = dict(C, float16="float", bfloat16="float")
    COMPLEX = ("float2", "double2")

    def ctype(dt):
        return C[dt]

    def compute(dt):
        return COMPUTE[dt]

    def to_compute(dt, ct, expr):
        """expr (a value of dtype dt's compute type) converted to compute type ct.

        NOTE: OpenCL C forbids casts between vector types and a scalar cast to
        float2 would fill both lanes, so real<->complex goes through parts.
        """
        src = COMPUTE[dt]
        if src == ct:
            return f"({expr})"
        if ct in COMPLEX:
            if src in COMPLEX:
                return f"convert_{ct}({expr})"
            part = ct[:-1]
            return f"(({ct})(({part})({expr}), ({part})0))"
        if src in COMPLEX:
            return f"(({ct})(({expr}).x))"
        if src == "int" and ct == "long":
            # NOTE: Mesa's llvmpipe (rusticl, LLVM 15) miscompiles a compare of an int widened by a cast:
            # `(long)i < 0` was false and `(long)i >= 64` true for every i, so int64 << int32 gave 0. The
            # same sign extension through shifts compiles right there and to one instruction elsewhere.
            return f"((long)((ulong)(uint)({expr}) << 32) >> 32)"
        return f"(({ct})({expr}))"
%>
<%def name="ctype_of(dt)">${C[dt]}</%def>\
## An expression that loads element idx of ptr as the dtype's compute type.
<%def name="load(dt, ptr, idx)">\
% if dt == "float16":
vload_half(${idx}, ${ptr})\
% elif dt == "bfloat16":
pt_bf16_to_f32(${ptr}[${idx}])\
% else:
${ptr}[${idx}]\
% endif
</%def>\
## A statement storing value (of compute type) to element idx of ptr.
<%def name="store(dt, ptr, idx, value)">\
% if dt == "float16":
vstore_half_rte(${value}, ${idx}, ${ptr});\
% elif dt == "bfloat16":
${ptr}[${idx}] = pt_f32_to_bf16(${value});\
% elif dt == "bool":
${ptr}[${idx}] = (uchar)((${value}) != 0);\
% else:
${ptr}[${idx}] = (${C[dt]})(${value});\
% endif
</%def>\
## The pointer element type a kernel parameter of this dtype has.
<%def name="ptr_type(dt)">${"half" if dt == "float16" else C[dt]}</%def>\
