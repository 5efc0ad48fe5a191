"""Fused elementwise kernels: each optimizer step (SGD, Adam, RMSprop, NAdam, Adagrad) and sigmoid as one CUDA kernel.

A rule is a few assignments written in the subset C and Python share (``+ - * /``, ``sqrt``,
``max``, parentheses), so the same text is the body of a ``cupy.ElementwiseKernel`` and can be
evaluated on the host with NumPy (the plugin's tests check every rule against PyTorch that way).
A name assigned first inside the body is a local (``T name``); out-params are updated in place,
so each kernel reads ``param``, ``grad`` and the state once and writes them once. Options that
switch a term on or off (weight decay, momentum, Nesterov, AMSGrad, centering, maximize) select
the text, never multiply by a 0/1 flag (0 * inf would be NaN where PyTorch gives inf).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ElementwiseRule:
    """An elementwise kernel: the array ``array`` and the scalars ``scalars`` in, ``outputs`` written.

    Outputs are read too, so an update rule changes its parameter and state in place.

    Example:
        >>> rule = sgd_rule(momentum=False, nesterov=False, weight_decay=False, maximize=False)
        >>> print(rule.operation())
        T g = grad;
        param = param - lr * g;
    """

    name: str
    scalars: tuple[str, ...]
    outputs: tuple[str, ...]
    body: tuple[str, ...] = field(default=())
    array: str = "grad"

    def in_params(self) -> str:
        """CuPy's input parameter list: the array, then the scalars, all of type ``T``."""
        return ", ".join(f"T {n}" for n in (self.array,) + self.scalars)

    def out_params(self) -> str:
        """CuPy's output parameter list (read and written in place)."""
        return ", ".join(f"T {n}" for n in self.outputs)

    def operation(self) -> str:
        """The body as CUDA statements (locals declared ``T`` at their first assignment)."""
        declared = set(self.outputs) | {self.array} | set(self.scalars)
        lines = []
        for statement in self.body:
            target = statement.split("=", 1)[0].strip()
            lines.append(("" if target in declared else "T ") + statement + ";")
            declared.add(target)
        return "\n".join(lines)


def _grad(weight_decay: bool, maximize: bool) -> str:
    grad = "-grad" if maximize else "grad"
    return f"g = {grad} + wd * param" if weight_decay else f"g = {grad}"


def sgd_rule(momentum: bool, nesterov: bool, weight_decay: bool, maximize: bool) -> ElementwiseRule:
    """``torch.optim.SGD``; with momentum the buffer is an output (``first`` selects its first step).

    Example:
        >>> sgd_rule(momentum=True, nesterov=True, weight_decay=False, maximize=False).outputs
        ('param', 'buf')
    """
    body = [_grad(weight_decay, maximize)]
    if momentum:
        body.append("buf = momentum * buf + dampening_c * g")
        body.append("param = param - lr * (g + momentum * buf)" if nesterov else "param = param - lr * buf")
    else:
        body.append("param = param - lr * g")
    scalars = ("lr",) + (("wd",) if weight_decay else ()) + (("momentum", "dampening_c") if momentum else ())
    return ElementwiseRule("minitorch_sgd", scalars, ("param", "buf") if momentum else ("param",), tuple(body))


def _moments(decoupled: bool, weight_decay: bool, maximize: bool) -> list[str]:
    """Decoupled decay (AdamW), the gradient, then both moments: the start of Adam and NAdam."""
    body = ["param = param * decay"] if decoupled else []
    return body + [_grad(weight_decay and not decoupled, maximize), "m = m + w * (g - m)",
                   "v = beta2 * v + beta2_c * g * g"]


def _moment_scalars(decoupled: bool, weight_decay: bool) -> tuple[str, ...]:
    return (("decay",) if decoupled else ()) + (("wd",) if weight_decay and not decoupled else ()) + (
        "w", "beta2", "beta2_c", "eps")


def adam_rule(amsgrad: bool, decoupled: bool, weight_decay: bool, maximize: bool) -> ElementwiseRule:
    """``torch.optim.Adam``/``AdamW`` (``decoupled``), with AMSGrad's running maximum as an output.

    Example:
        >>> adam_rule(amsgrad=True, decoupled=False, weight_decay=False, maximize=False).outputs
        ('param', 'm', 'v', 'vmax')
    """
    decoupled = decoupled and weight_decay
    body = _moments(decoupled, weight_decay, maximize)
    if amsgrad:
        body.append("vmax = max(vmax, v)")
    body.append(f"param = param - step_size * m / (sqrt({'vmax' if amsgrad else 'v'}) / bc2_sqrt + eps)")
    return ElementwiseRule("minitorch_adam", _moment_scalars(decoupled, weight_decay) + ("step_size", "bc2_sqrt"),
                      ("param", "m", "v") + (("vmax",) if amsgrad else ()), tuple(body))


def nadam_rule(decoupled: bool, weight_decay: bool, maximize: bool) -> ElementwiseRule:
    """``torch.optim.NAdam`` (the optimizer computes the momentum-schedule coefficients).

    Example:
        >>> nadam_rule(decoupled=False, weight_decay=False, maximize=False).body[-1]
        'param = param + m_coef * m / denom'
    """
    decoupled = decoupled and weight_decay
    body = _moments(decoupled, weight_decay, maximize) + [
        "denom = sqrt(v / bc2) + eps", "param = param + g_coef * g / denom", "param = param + m_coef * m / denom"]
    return ElementwiseRule("minitorch_nadam", _moment_scalars(decoupled, weight_decay) + ("bc2", "g_coef", "m_coef"),
                      ("param", "m", "v"), tuple(body))


def rmsprop_rule(centered: bool, momentum: bool, weight_decay: bool, maximize: bool) -> ElementwiseRule:
    """``torch.optim.RMSprop``: mean square, optionally centered and with momentum.

    Example:
        >>> rmsprop_rule(centered=True, momentum=False, weight_decay=False, maximize=False).outputs
        ('param', 'square_avg', 'grad_avg')
    """
    body = [_grad(weight_decay, maximize), "square_avg = alpha * square_avg + alpha_c * g * g"]
    if centered:
        body += ["grad_avg = grad_avg + alpha_c * (g - grad_avg)",
                 "avg = sqrt(square_avg - grad_avg * grad_avg) + eps"]
    else:
        body.append("avg = sqrt(square_avg) + eps")
    if momentum:
        body += ["buf = momentum * buf + g / avg", "param = param - lr * buf"]
    else:
        body.append("param = param - lr * g / avg")
    scalars = ("lr", "alpha", "alpha_c", "eps") + (("wd",) if weight_decay else ()) + (
        ("momentum",) if momentum else ())
    outputs = ("param", "square_avg") + (("grad_avg",) if centered else ()) + (("buf",) if momentum else ())
    return ElementwiseRule("minitorch_rmsprop", scalars, outputs, tuple(body))


def adagrad_rule(weight_decay: bool, maximize: bool) -> ElementwiseRule:
    """``torch.optim.Adagrad`` (the optimizer computes the decayed learning rate ``clr``).

    Example:
        >>> adagrad_rule(weight_decay=True, maximize=True).body[0]
        'g = -grad + wd * param'
    """
    body = (_grad(weight_decay, maximize), "state_sum = state_sum + g * g",
            "param = param - clr * g / (sqrt(state_sum) + eps)")
    return ElementwiseRule("minitorch_adagrad", ("clr", "eps") + (("wd",) if weight_decay else ()),
                      ("param", "state_sum"), body)


# Stable for every x: exp only of -|x| (never overflows), and a NaN stays NaN. The two branches
# are weighted by 0/1 comparisons, which is safe here because both terms are always finite.
SIGMOID = ElementwiseRule("minitorch_sigmoid", (), ("y",), (
    "e = exp(-abs(x))", "y = (x >= 0) * (1 / (1 + e)) + (x < 0) * (e / (1 + e))"), array="x")
