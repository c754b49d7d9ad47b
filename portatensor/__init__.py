"""portatensor: a tensor engine whose kernels are generated per device through OpenCL.

    >>> import portatensor as pt
    >>> (pt.asarray([1.0, 2.0]) + 1).numpy()
    array([2., 3.], dtype=float32)
"""

from __future__ import annotations

# autograd (imported first) wraps the ops for recording before the namespace modules bind them;
# importing ops installs the Tensor operators.
from . import autograd
from . import ops as _ops  # noqa: F401
from ._creation_functions import (
    arange,
    empty,
    empty_like,
    eye,
    from_dlpack,
    full,
    full_like,
    linspace,
    meshgrid,
    ones,
    ones_like,
    tril,
    triu,
    zeros,
    zeros_like,
)
from ._data_type_functions import can_cast, finfo, iinfo, isdtype, result_type
from ._elementwise_functions import (  # noqa: A004 - the standard's names (abs, pow, round)
    abs,
    acos,
    acosh,
    add,
    asin,
    asinh,
    astype,
    atan,
    atan2,
    atanh,
    bitwise_and,
    bitwise_invert,
    bitwise_left_shift,
    bitwise_or,
    bitwise_right_shift,
    bitwise_xor,
    ceil,
    clip,
    conj,
    copysign,
    cos,
    cosh,
    divide,
    equal,
    exp,
    expm1,
    floor,
    floor_divide,
    greater,
    greater_equal,
    hypot,
    imag,
    isfinite,
    isinf,
    isnan,
    less,
    less_equal,
    log,
    log1p,
    log2,
    log10,
    logaddexp,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    maximum,
    minimum,
    multiply,
    negative,
    nextafter,
    not_equal,
    positive,
    pow,
    real,
    reciprocal,
    remainder,
    round,
    sign,
    signbit,
    sin,
    sinh,
    sqrt,
    square,
    subtract,
    tan,
    tanh,
    trunc,
)
from ._manipulation_functions import (
    broadcast_arrays,
    broadcast_to,
    concat,
    expand_dims,
    flip,
    matrix_transpose,
    moveaxis,
    permute_dims,
    repeat,
    reshape,
    roll,
    squeeze,
    stack,
    tile,
    unstack,
)
from ._searching_functions import argmax, argmin, count_nonzero
from ._statistical_functions import (  # noqa: A004 - the standard's names (max, min, sum)
    cumulative_prod,
    cumulative_sum,
    max,
    mean,
    min,
    prod,
    std,
    sum,
    var,
)
from ._utility_functions import all, any  # noqa: A004 - the standard's names
from .autograd import enable_grad, no_grad, set_grad_enabled
from .autograd.function import cat
from .dtypes import (
    bfloat16,
    complex64,
    complex128,
    float16,
    float32,
    float64,
    int8,
    int16,
    int32,
    int64,
    uint8,
    uint16,
    uint32,
    uint64,
)
from .dtypes import bool_ as bool  # noqa: A001 - the standard's name
from .ops.creation import asarray, to_device
from .ops.linalg import matmul
from .runtime import Device, default_device, devices, get_device, set_default_device
from .tensor import Tensor

__version__ = "0.1.0"


def empty_cache(device: Device | None = None) -> None:
    """Return every pooled, unused device buffer to the driver."""
    for d in [device] if device is not None else devices():
        d.empty_cache()


def memory_stats(device: Device | None = None) -> dict[str, int]:
    """The buffer pool's counters for device (default device if omitted)."""
    return get_device(device).pool.stats()


def synchronize(device: Device | None = None) -> None:
    """Wait until every queued kernel on device has finished."""
    get_device(device).synchronize()


__all__ = [
    "empty_like", "eye", "from_dlpack", "full_like", "linspace", "meshgrid", "ones_like", "tril", "triu",
    "zeros_like",
    "broadcast_arrays", "broadcast_to", "concat", "expand_dims", "flip", "matrix_transpose", "moveaxis",
    "permute_dims", "repeat", "reshape", "roll", "squeeze", "stack", "tile", "unstack",
    "all", "any", "argmax", "argmin", "count_nonzero", "cumulative_prod", "cumulative_sum", "max", "mean", "min",
    "prod", "std", "var",
    "abs", "acos", "acosh", "add", "arange", "asarray", "asin", "asinh", "astype", "atan", "atan2", "atanh",
    "bfloat16", "bitwise_and", "bitwise_invert", "bitwise_left_shift", "bitwise_or", "bitwise_right_shift",
    "bitwise_xor", "bool", "can_cast", "ceil", "clip", "complex128", "complex64", "conj", "copysign", "cos", "cosh",
    "default_device", "Device", "devices", "divide", "empty", "empty_cache", "equal", "exp", "expm1", "finfo",
    "float16", "float32", "float64", "floor", "floor_divide", "full", "get_device", "greater", "greater_equal",
    "hypot", "iinfo", "imag", "int16", "int32", "int64", "int8", "isdtype", "isfinite", "isinf", "isnan", "less",
    "less_equal", "log", "log10", "log1p", "log2", "logaddexp", "logical_and", "logical_not", "logical_or",
    "logical_xor", "matmul", "maximum", "memory_stats", "minimum", "multiply", "negative", "nextafter", "not_equal",
    "ones", "positive", "pow", "real", "reciprocal", "remainder", "result_type", "round", "set_default_device",
    "sign", "signbit", "sin", "sinh", "sqrt", "square", "subtract", "sum", "synchronize", "tan", "tanh", "Tensor",
    "to_device", "trunc", "uint16", "uint32", "uint64", "uint8", "zeros",
]

# autograd, nn, optim, data (issue 4)
__all__ += ["autograd", "cat", "enable_grad", "no_grad", "set_grad_enabled"]

from . import data, nn, optim, random  # noqa: E402
from .autograd.tensor_methods import tensor  # noqa: E402
from .random import manual_seed, rand, randint, randn, randperm  # noqa: E402
from .serialize import load, save  # noqa: E402

__all__ += ["data", "load", "manual_seed", "nn", "optim", "rand", "randint", "randn", "random", "randperm", "save",
            "tensor"]

# Array API namespace: version, constants, inspection, linear algebra (issue 3)
import math as _math  # noqa: E402

from ._info import __array_namespace_info__  # noqa: E402

__array_api_version__ = "2024.12"
e = _math.e
inf = _math.inf
nan = _math.nan
pi = _math.pi
newaxis = None

__all__ += ["__array_api_version__", "__array_namespace_info__", "e", "inf", "nan", "newaxis", "pi"]

from . import linalg  # noqa: E402
from ._linear_algebra_functions import tensordot, vecdot  # noqa: E402

__all__ += ["linalg", "tensordot", "vecdot"]

from ._indexing_functions import take, take_along_axis  # noqa: E402
from ._searching_functions import nonzero, searchsorted, where  # noqa: E402
from ._set_functions import unique_all, unique_counts, unique_inverse, unique_values  # noqa: E402
from ._sorting_functions import argsort, sort  # noqa: E402
from ._utility_functions import diff  # noqa: E402

__all__ += ["take", "take_along_axis", "nonzero", "searchsorted", "where", "unique_all", "unique_counts",
            "unique_inverse", "unique_values", "argsort", "sort", "diff"]

# PyTorch-style differentiable indexing and statistics (issue 4)
from .autograd.indexing import gather, index_select, scatter_add  # noqa: E402
from .autograd.stats import logsumexp  # noqa: E402

__all__ += ["gather", "index_select", "logsumexp", "scatter_add"]

# Fourier transforms (issue 3)
from . import fft  # noqa: E402

__all__ += ["fft"]

# mixed precision (issue 4, item 9)
from .autograd import amp  # noqa: E402
from .autograd.amp import autocast  # noqa: E402

__all__ += ["amp", "autocast"]

# PyTorch's torch.flatten beside Tensor.flatten (issue 4, nn porting)
from .autograd.function import flatten  # noqa: E402

__all__ += ["flatten"]

# PyTorch's spellings beside the standard's (issue 4, porting): creation takes zeros(2, 3) and requires_grad=;
# reductions and manipulations take dim=/keepdim= and positional dims; pt.device, pt.cuda, pt.utils.data.
from . import _torch_functions as _tf  # noqa: E402
from . import cuda, utils  # noqa: E402
from ._creation_functions import as_tensor, from_numpy  # noqa: E402
from ._torch_functions import (  # noqa: E402
    allclose,
    bmm,
    chunk,
    clamp,
    cumprod,
    cumsum,
    get_default_dtype,
    is_floating_point,
    is_grad_enabled,
    is_tensor,
    log_softmax,
    masked_fill,
    mm,
    narrow,
    norm,
    numel,
    outer,
    permute,
    rand_like,
    randn_like,
    relu,
    sigmoid,
    softmax,
    split,
    topk,
    transpose,
    unbind,
    unsqueeze,
)

device = _tf.device
sum = _tf._torch_names(sum)  # noqa: A001
prod = _tf._torch_names(prod)
mean = _tf._torch_names(mean)
all = _tf._torch_names(all)  # noqa: A001
any = _tf._torch_names(any)  # noqa: A001
argmax = _tf._torch_names(argmax)
argmin = _tf._torch_names(argmin)
count_nonzero = _tf._torch_names(count_nonzero)
max = _tf._extremum(max, maximum)  # noqa: A001
min = _tf._extremum(min, minimum)  # noqa: A001
stack = _tf._torch_names(stack, ("axis",), {"dim": "axis"})
concat = _tf._torch_names(concat, ("axis",), {"dim": "axis"})
flip = _tf._torch_names(flip, ("axis",), {"dims": "axis"})
roll = _tf._torch_names(roll, ("shift", "axis"), {"shifts": "shift", "dims": "axis"})
argsort = _tf._torch_names(argsort, ("axis", "descending"), {"dim": "axis"})
tril = _tf._torch_names(tril, ("k",), {"diagonal": "k"})
triu = _tf._torch_names(triu, ("k",), {"diagonal": "k"})
squeeze = _tf._squeeze(squeeze)
where = _tf._where(where)

# PyTorch's dtype names; not in __all__, so a star import does not shadow the builtins float and int.
float = float32  # noqa: A001
double = float64
half = float16
long = int64
int = int32  # noqa: A001
short = int16

__all__ += ["allclose", "as_tensor", "bmm", "chunk", "clamp", "cuda", "cumprod", "cumsum", "device", "from_numpy",
            "get_default_dtype", "is_floating_point", "is_grad_enabled", "is_tensor", "log_softmax", "masked_fill",
            "mm", "narrow", "norm", "numel", "outer", "permute", "rand_like", "randn_like", "relu", "sigmoid",
            "softmax", "split", "topk", "transpose", "unbind", "unsqueeze", "utils"]

# More PyTorch spellings (issue 4, porting): einsum, inference_mode, backends, Size, default dtype, diag/trace,
# multinomial/bernoulli/randint_like, erf/erfc/erfinv, isclose, index_fill; the matching Tensor methods.
from . import backends  # noqa: E402
from ._torch_functions import (  # noqa: E402
    Generator,
    Size,
    addmm,
    amax,
    amin,
    baddbmm,
    bernoulli,
    clamp_max,
    clamp_min,
    clone,
    diag,
    diagonal,
    dot,
    dropout,
    einsum,
    erf,
    erfc,
    erfinv,
    hstack,
    index_fill,
    inference_mode,
    isclose,
    isin,
    lerp,
    movedim,
    multinomial,
    mv,
    nan_to_num,
    randint_like,
    repeat_interleave,
    rsqrt,
    set_default_dtype,
    swapaxes,
    t,
    trace,
    unflatten,
    vstack,
)

_tf.install_methods()

__all__ += ["Generator", "Size", "backends", "bernoulli", "diag", "diagonal", "einsum", "erf", "erfc", "erfinv",
            "index_fill", "inference_mode", "isclose", "multinomial", "randint_like", "set_default_dtype", "trace",
            "addmm", "amax", "amin", "baddbmm", "clamp_max", "clamp_min", "clone", "dot", "dropout", "hstack", "isin",
            "lerp", "movedim", "mv", "nan_to_num", "repeat_interleave", "rsqrt", "swapaxes", "t", "unflatten",
            "vstack"]

# Distances, order statistics, NaN-aware reductions, creation and products (issue 4, porting): the matching Tensor
# methods are installed by _tf.install_methods.
from ._torch_functions import (  # noqa: E402
    bincount,
    block_diag,
    bucketize,
    cartesian_prod,
    cdist,
    cosine_similarity,
    cross,
    diag_embed,
    kron,
    kthvalue,
    logspace,
    median,
    mode,
    nanmean,
    nanquantile,
    nansum,
    normal,
    pairwise_distance,
    quantile,
    rot90,
    std_mean,
    tensor_split,
    var_mean,
)

__all__ += ["bincount", "block_diag", "bucketize", "cartesian_prod", "cdist", "cosine_similarity", "cross",
            "diag_embed", "kron", "kthvalue", "logspace", "median", "mode", "nanmean", "nanquantile", "nansum",
            "normal", "pairwise_distance", "quantile", "rot90", "std_mean", "tensor_split", "var_mean"]
