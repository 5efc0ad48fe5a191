"""Keras/torchinfo-style model summary: layers, output shapes, parameters, mult-adds and memory."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .autograd import no_grad
from .tensor import Tensor

__all__ = ["summary", "ModelSummary", "LayerRow"]


@dataclass
class LayerRow:
    """One module call in the forward pass."""

    name: str
    type: str
    depth: int
    output_shape: tuple | list | None
    num_params: int
    trainable: str
    mult_adds: int
    is_leaf: bool
    output_bytes: int = 0


@dataclass
class ModelSummary:
    """What ``summary`` measured; ``str()`` gives the table.

    Attributes:
        rows: one ``LayerRow`` per module call, in call order.
        total_params, trainable_params, non_trainable_params: unique parameters (shared ones once).
        params_bytes: memory of the parameters in their dtypes.
        input_bytes: memory of the input.
        activation_bytes: estimated memory of the layers' outputs for one forward and backward pass.
        total_mult_adds: multiply-accumulates of one forward pass on the given input.
    """

    model_name: str
    rows: list[LayerRow] = field(default_factory=list)
    total_params: int = 0
    trainable_params: int = 0
    non_trainable_params: int = 0
    params_bytes: int = 0
    input_bytes: int = 0
    activation_bytes: int = 0
    total_mult_adds: int = 0

    def __str__(self) -> str:
        headers = ("Layer (type)", "Output Shape", "Param #", "Trainable", "Mult-Adds")
        cells = [(
            "  " * r.depth + f"{r.name} ({r.type})",
            _shape_text(r.output_shape),
            f"{r.num_params:,}" if r.num_params or r.is_leaf else "--",
            r.trainable,
            f"{r.mult_adds:,}" if r.mult_adds else "--",
        ) for r in self.rows]
        widths = [max([len(h)] + [len(c[i]) for c in cells]) for i, h in enumerate(headers)]
        right = (False, False, True, False, True)

        def line(values: Sequence[str]) -> str:
            return "  ".join(v.rjust(w) if r else v.ljust(w) for v, w, r in zip(values, widths, right)).rstrip()

        width = sum(widths) + 2 * (len(widths) - 1)
        mb = 1024 ** 2
        total_bytes = self.input_bytes + self.activation_bytes + self.params_bytes
        out = [f'Model: "{self.model_name}"', "=" * width, line(headers), "=" * width]
        out += [line(c) for c in cells]
        out += ["=" * width,
                f"Total params: {self.total_params:,}",
                f"Trainable params: {self.trainable_params:,}",
                f"Non-trainable params: {self.non_trainable_params:,}",
                f"Total mult-adds: {self.total_mult_adds:,}",
                "-" * width,
                f"Input size (MB): {self.input_bytes / mb:.2f}",
                f"Forward/backward pass size (MB): {self.activation_bytes / mb:.2f}",
                f"Params size (MB): {self.params_bytes / mb:.2f}",
                f"Estimated total size (MB): {total_bytes / mb:.2f}",
                "=" * width]
        return "\n".join(out)

    __repr__ = __str__


def _shape_text(shape: Any) -> str:
    if shape is None:
        return "--"
    if isinstance(shape, list):
        return "[" + ", ".join(_shape_text(s) for s in shape) + "]"
    return "(" + ", ".join("None" if i == 0 else str(n) for i, n in enumerate(shape)) + ")"


def _output_shape(output: Any) -> tuple | list | None:
    if isinstance(output, Tensor):
        return output.shape
    if isinstance(output, (tuple, list)):
        return [_output_shape(o) for o in output]
    return None


def _output_bytes(output: Any) -> int:
    if isinstance(output, Tensor):
        return output.numel() * output.dtype.itemsize
    if isinstance(output, (tuple, list)):
        return sum(_output_bytes(o) for o in output)
    return 0


def _trainable(params: list) -> str:
    if not params:
        return "--"
    flags = {p.requires_grad for p in params}
    return "Partial" if len(flags) == 2 else str(flags.pop())


def _mult_adds(module: Any, output: Any) -> int:
    """Multiply-accumulates of a weighted layer: each output element reads weight[o] once."""
    weight = getattr(module, "weight", None)
    if not isinstance(output, Tensor) or not isinstance(weight, Tensor) or weight.ndim < 2:
        return 0
    per_output = 1
    for n in weight.shape[1:]:
        per_output *= n
    return output.numel() * per_output


def summary(model: Any, input_size: Sequence[int] | None = None, *, input_data: Tensor | None = None,
            dtype: Any = None, depth: int | None = None, verbose: bool = True) -> ModelSummary:
    """Run one forward pass and tabulate every layer, as Keras's ``model.summary()`` and torchinfo.

    The model runs in eval mode without gradients (running statistics are not
    touched) and its train/eval state is restored afterwards.

    Args:
        model: an ``nn.Module``.
        input_size: the input's shape including the batch dim, e.g. ``(1, 1, 28, 28)``;
            the batch dim is printed as ``None``.
        input_data: a tensor to use instead of ``input_size``.
        dtype: the input's dtype (default: the model's parameter dtype, else float32).
        depth: hide rows nested deeper than this (None shows every level).
        verbose: print the table.

    Returns:
        A ``ModelSummary`` with the rows and totals (``total_params`` etc.).

    Example:
        >>> import minitorch as mt
        >>> from minitorch import nn
        >>> net = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        ...                     nn.Linear(32 * 13 * 13, 10))
        >>> s = mt.summary(net, (1, 1, 28, 28), verbose=False)
        >>> s.total_params, s.rows[0].num_params, s.rows[2].output_shape
        (54410, 320, (1, 32, 13, 13))
    """
    params = list(model.parameters())
    if input_data is None:
        if input_size is None:
            raise ValueError("summary needs input_size (with the batch dim, e.g. (1, 1, 28, 28)) or input_data")
        from .creation import zeros

        ref = params[0] if params else None
        input_data = zeros(tuple(input_size), dtype=dtype or (ref.dtype if ref is not None else None),
                           backend=ref._backend if ref is not None else None)
    names = {id(m): n or type(m).__name__.lower() for n, m in model.named_modules()}
    result = ModelSummary(type(model).__name__)
    stack: list[int] = []
    handles = []

    def pre_hook(module: Any, args: Any) -> None:
        stack.append(len(result.rows))
        result.rows.append(LayerRow(names.get(id(module), "?"), type(module).__name__, len(stack) - 1, None, 0,
                                    "--", 0, not any(True for _ in module.children())))

    def post_hook(module: Any, args: Any, output: Any) -> None:
        row = result.rows[stack.pop()]
        own = list(module.parameters())
        row.output_shape = _output_shape(output)
        row.num_params = sum(p.numel() for p in {id(p): p for p in own}.values())
        row.trainable = _trainable(own)
        if row.is_leaf:
            row.mult_adds = _mult_adds(module, output)
            row.output_bytes = _output_bytes(output)

    leaf_model = not any(True for _ in model.children())
    for name, module in model.named_modules():
        if name or leaf_model:  # a container is the table itself; a single layer is its own row
            handles.append(module.register_forward_pre_hook(pre_hook))
            handles.append(module.register_forward_hook(post_hook))
    modes = {id(m): m.training for m in model.modules()}
    try:
        model.eval()
        with no_grad():
            model(input_data)
    finally:
        for h in handles:
            h.remove()
        for m in model.modules():
            m.training = modes[id(m)]

    unique = {id(p): p for p in params}.values()
    result.total_params = sum(p.numel() for p in unique)
    result.trainable_params = sum(p.numel() for p in unique if p.requires_grad)
    result.non_trainable_params = result.total_params - result.trainable_params
    result.params_bytes = sum(p.numel() * p.dtype.itemsize for p in unique)
    result.input_bytes = input_data.numel() * input_data.dtype.itemsize
    result.activation_bytes = 2 * sum(r.output_bytes for r in result.rows)  # outputs kept + their gradients
    result.total_mult_adds = sum(r.mult_adds for r in result.rows)
    if depth is not None:
        result.rows = [r for r in result.rows if r.depth <= depth]
    if verbose:
        print(result)
    return result
