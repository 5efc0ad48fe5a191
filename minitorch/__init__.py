"""minitorch: a reverse-mode autograd tensor framework with pluggable compute backends.

Example:
    >>> import minitorch as mt
    >>> x = mt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> (x ** 2).sum().backward()
    >>> x.grad
    tensor([2., 4., 6.])
"""

from . import autograd, backends, dtypes
from .autograd import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .backends import default_backend, get_default_backend, set_default_backend
from .creation import (
    arange,
    as_tensor,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    ones,
    ones_like,
    tensor,
    zeros,
    zeros_like,
)
from .dtypes import (
    DType,
    bool_,
    float32,
    float64,
    get_default_dtype,
    int64,
    promote_types,
    result_type,
    set_default_dtype,
)
from .functions import (
    abs,
    add,
    all,
    amax,
    amin,
    any,
    argmax,
    argmin,
    broadcast_to,
    cat,
    chunk,
    clamp,
    clone,
    cos,
    div,
    exp,
    flatten,
    log,
    log_softmax,
    logical_not,
    logsumexp,
    matmul,
    max,
    maximum,
    mean,
    min,
    minimum,
    mul,
    neg,
    pad,
    permute,
    pow,
    prod,
    reciprocal,
    relu,
    reshape,
    sigmoid,
    sign,
    sin,
    softmax,
    split,
    sqrt,
    squeeze,
    stack,
    std,
    sub,
    sum,
    tanh,
    transpose,
    unsqueeze,
    var,
    where,
)
from .random import (
    Generator,
    default_generator,
    initial_seed,
    manual_seed,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    seed,
)
from .summary import summary  # the function shadows its module name on the package
from .tensor import Tensor, _document_method_forms

_document_method_forms()

bool = bool_  # noqa: A001  (torch.bool)
float = float32  # noqa: A001  (torch.float)
double = float64
long = int64
clip = clamp

__version__ = "0.1.0"

# Submodules and names from them load on first use, so `import minitorch` stays light.
_LAZY_MODULES = {"nn", "optim", "data", "graph", "testing", "train"}
_LAZY_NAMES = {"save": "serialization", "load": "serialization"}


def __getattr__(name: str) -> object:
    import importlib

    if name in _LAZY_MODULES:
        return importlib.import_module(f".{name}", __name__)
    if name in _LAZY_NAMES:
        return getattr(importlib.import_module(f".{_LAZY_NAMES[name]}", __name__), name)
    raise AttributeError(f"module 'minitorch' has no attribute {name!r}")


__all__ = [
    "DType", "Generator", "Tensor", "abs", "add", "all", "amax", "amin", "any", "arange", "argmax",
    "argmin", "as_tensor", "autograd", "backends", "bool", "bool_", "broadcast_to", "cat", "chunk",
    "clamp", "clip", "clone", "cos", "default_backend", "default_generator", "div", "double", "dtypes",
    "empty", "empty_like", "enable_grad", "exp", "eye", "flatten", "float", "float32", "float64",
    "from_numpy", "full", "full_like", "get_default_backend", "get_default_dtype", "initial_seed",
    "int64", "is_grad_enabled", "linspace", "log", "log_softmax", "logical_not", "logsumexp", "long",
    "manual_seed", "matmul", "max", "maximum", "mean", "min", "minimum", "mul", "neg", "no_grad", "ones",
    "ones_like", "pad", "permute", "pow", "prod", "promote_types", "rand", "rand_like", "randint",
    "randint_like", "randn", "randn_like", "randperm", "reciprocal", "relu", "reshape", "result_type",
    "seed", "set_default_backend", "set_default_dtype", "set_grad_enabled", "sigmoid", "sign", "sin",
    "softmax", "split", "sqrt", "squeeze", "stack", "std", "sub", "sum", "summary", "tanh", "tensor", "transpose",
    "unsqueeze", "var", "where", "zeros", "zeros_like",
]
