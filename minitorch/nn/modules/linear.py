"""Linear: the fully connected layer y = x Wᵀ + b."""

from __future__ import annotations

from typing import Any

from ...creation import empty
from ...tensor import Tensor
from .. import functional as F
from ..parameter import Parameter
from .module import Module
from .utils import reset_weight_and_bias

__all__ = ["Linear"]


class Linear(Module):
    """Apply ``y = x @ weight.T + bias`` to the last dimension of the input.

    ``weight`` (out_features, in_features) is initialised with
    ``kaiming_uniform_(a=sqrt(5))`` and ``bias`` from U(-1/sqrt(in_features), 1/sqrt(in_features)),
    exactly as PyTorch, drawn from the seeded default generator.

    Args:
        in_features: size of each input sample.
        out_features: size of each output sample.
        bias: whether to learn an additive bias. Default: ``True``.
        device: the device or backend name to create the parameters on.
        dtype: the parameters' dtype (the default float dtype when omitted).

    Shape:
        - Input: ``(*, in_features)``, any number of leading dimensions.
        - Output: ``(*, out_features)``.

    Example:
        >>> import minitorch as mt
        >>> layer = mt.nn.Linear(20, 30)
        >>> layer(mt.randn(128, 20)).shape
        (128, 30)
        >>> layer
        Linear(in_features=20, out_features=30, bias=True)
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(empty(out_features, in_features, device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_features, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Re-draw weight and bias with PyTorch's default initialisation."""
        reset_weight_and_bias(self.weight, self.bias)

    def forward(self, input: Tensor) -> Tensor:
        if input.ndim == 0 or input.shape[-1] != self.in_features:
            raise RuntimeError(f"{self!r}: expected input with {self.in_features} features in the last dim, "
                               f"got shape {input.shape}")
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"
