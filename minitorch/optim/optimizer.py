"""The ``Optimizer`` base class: parameter groups, per-parameter state, stepping and state dicts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from .. import autograd
from ..tensor import Tensor

__all__ = ["Optimizer", "ParamsT"]

ParamsT = Iterable[Tensor] | Iterable[dict[str, Any]] | Iterable[tuple[str, Tensor]]


class Optimizer:
    """Base class of the optimizers: PyTorch's ``torch.optim.Optimizer`` interface.

    ``param_groups`` is a list of dicts, each holding ``'params'`` (a list of
    tensors) and that group's options; options missing from a group come from
    ``defaults``. ``state`` maps each parameter to a dict of its running values
    (moment estimates, step count...). ``step`` updates every parameter that has
    a ``.grad`` in place, under ``no_grad``, so the parameter objects and any
    views of them stay valid.

    A subclass passes its defaults to ``__init__`` and implements
    ``_update(param, grad, state, group)`` for one parameter; the elementwise work
    goes through the parameter's backend (``Backend.adam_update`` and friends),
    which a backend may fuse.

    Args:
        params: an iterable of tensors (or of ``(name, tensor)`` pairs, as
            ``named_parameters()`` gives; the names are kept in ``'param_names'``),
            or of dicts each with a ``'params'`` entry and per-group options.
        defaults: the default value of every option of this optimizer.

    Example:
        >>> import minitorch as mt
        >>> w = mt.tensor([1.0, 2.0], requires_grad=True)
        >>> b = mt.tensor([0.0], requires_grad=True)
        >>> opt = mt.optim.SGD([{"params": [w]}, {"params": [b], "lr": 0.5}], lr=0.1)
        >>> [g["lr"] for g in opt.param_groups]
        [0.1, 0.5]
        >>> ((w * w).sum() + b.sum()).backward()
        >>> opt.step()
        >>> w, b
        (tensor([0.8, 1.6], requires_grad=True), tensor([-0.5], requires_grad=True))
        >>> opt.zero_grad()
        >>> w.grad is None
        True
    """

    def __init__(self, params: ParamsT, defaults: dict[str, Any]) -> None:
        self.defaults = dict(defaults)
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        self._step_called = False
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or dicts, "
                f"but got a single {type(params).__name__}; wrap it in a list: [tensor]"
            )
        if isinstance(params, dict):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or dicts, but got a dict; "
                "for parameter groups pass a list of dicts, for a state dict pass model.parameters()"
            )
        if isinstance(params, (set, frozenset)):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the ordering of "
                "tensors in sets will change between runs; use a list instead"
            )
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # ---- parameter groups ------------------------------------------------------------
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own options (e.g. to unfreeze layers while training).

        Args:
            param_group: a dict with ``'params'`` (a tensor or an iterable of tensors)
                and any options that differ from the optimizer's defaults.

        Example:
            >>> import minitorch as mt
            >>> opt = mt.optim.SGD([mt.zeros(2, requires_grad=True)], lr=0.1)
            >>> opt.add_param_group({"params": [mt.zeros(3, requires_grad=True)], "lr": 0.01})
            >>> [(len(g["params"]), g["lr"]) for g in opt.param_groups]
            [(1, 0.1), (1, 0.01)]
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"a param group must be a dict, but got {type(param_group).__name__}")
        if "params" not in param_group:
            raise ValueError("a param group must have a 'params' entry holding its tensors")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the ordering of "
                "tensors in sets will change between runs; use a list instead"
            )
        else:
            params = list(params)
        names = None
        if params and all(isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], str) for p in params):
            names, params = [n for n, _ in params], [p for _, p in params]
        elif any(isinstance(p, tuple) for p in params):
            raise TypeError("optimizer params must be all tensors or all (name, tensor) pairs, not a mix")
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but parameter {i} is a {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError(f"can't optimize a non-leaf Tensor (parameter {i} of the group has a grad_fn)")
            if not p.dtype.is_floating_point:
                raise ValueError(f"can only optimize floating point tensors, but parameter {i} is {p.dtype}")
        if len({id(p) for p in params}) != len(params):
            raise ValueError("a parameter group contains the same parameter more than once")
        group: dict[str, Any] = {"params": params}
        if names is not None:
            group["param_names"] = names
        for name, default in self.defaults.items():
            group[name] = param_group.get(name, default)
        for name, value in param_group.items():
            if name not in group and name != "param_names":
                group[name] = value
        self._check_options(group)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)
        self._init_state(group)

    def _check_options(self, group: dict[str, Any]) -> None:
        """Raise ValueError for an invalid option value; subclasses extend it."""
        if "lr" in group and not float(group["lr"]) >= 0.0:
            raise ValueError(f"Invalid learning rate: {group['lr']}")
        if "weight_decay" in group and not float(group["weight_decay"]) >= 0.0:
            raise ValueError(f"Invalid weight_decay value: {group['weight_decay']}")
        if "eps" in group and not float(group["eps"]) >= 0.0:
            raise ValueError(f"Invalid epsilon value: {group['eps']}")
        if "betas" in group:
            betas = tuple(group["betas"])
            if len(betas) != 2:
                raise ValueError(f"betas must be a pair (beta1, beta2), got {group['betas']!r}")
            for i, beta in enumerate(betas):
                if not 0.0 <= float(beta) < 1.0:
                    raise ValueError(f"Invalid beta parameter at index {i}: {beta}")
            group["betas"] = betas

    def _init_state(self, group: dict[str, Any]) -> None:
        """Create state for a new group's parameters eagerly (most optimizers do it at the first step)."""

    # ---- gradients and stepping ------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of every parameter.

        Args:
            set_to_none: drop the gradient tensors (``p.grad = None``, the default and
                cheapest) instead of filling them with zeros.

        Example:
            >>> import minitorch as mt
            >>> w = mt.ones(2, requires_grad=True)
            >>> opt = mt.optim.SGD([w], lr=0.1)
            >>> (w * 3).sum().backward()
            >>> opt.zero_grad(set_to_none=False)
            >>> w.grad
            tensor([0., 0.])
        """
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    if p.grad._ctx is not None:
                        p.grad = p.grad.detach()
                    p.grad.zero_()

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient, in place.

        Args:
            closure: optional function that clears the gradients, recomputes the
                loss, calls ``backward`` and returns the loss; it runs with
                gradients enabled before the update.

        Returns:
            The closure's loss, or None without a closure.

        Example:
            >>> import minitorch as mt
            >>> w = mt.tensor([3.0], requires_grad=True)
            >>> opt = mt.optim.SGD([w], lr=0.25)
            >>> def closure():
            ...     opt.zero_grad()
            ...     loss = (w * w).sum()
            ...     loss.backward()
            ...     return loss
            >>> opt.step(closure)
            tensor(9., grad_fn=<SumBackward>)
            >>> w
            tensor([1.5], requires_grad=True)
        """
        loss = None
        if closure is not None:
            with autograd.enable_grad():
                loss = closure()
        self._step_called = True
        with autograd.no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    grad = p.grad
                    if grad is None:
                        continue
                    if grad._backend is not p._backend:
                        raise RuntimeError(
                            f"the gradient of a parameter is on backend {grad._backend.name!r} but the parameter "
                            f"is on {p._backend.name!r}"
                        )
                    if grad.shape != p.shape:
                        raise RuntimeError(f"a gradient of shape {grad.shape} doesn't match its parameter {p.shape}")
                    if grad.dtype is not p.dtype:
                        grad = grad.to(p.dtype)
                    self._update(p, grad, self.state[p], group)
                    p._version += 1
        return loss

    def _update(self, param: Tensor, grad: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
        """Apply one step of this optimizer's rule to ``param`` in place."""
        raise NotImplementedError(f"{type(self).__name__} must implement _update(param, grad, state, group)")

    # ---- state dicts ---------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state in PyTorch's layout, for checkpoints.

        ``{'state': {index: {name: value}}, 'param_groups': [{option: value, 'params': [index, ...]}]}``:
        parameters are numbered in the order they appear across the groups; the
        state tensors are the optimizer's own (not copies), as in PyTorch. Save it
        with ``mt.save``.

        Example:
            >>> import minitorch as mt
            >>> w = mt.ones(2, requires_grad=True)
            >>> opt = mt.optim.SGD([w], lr=0.1, momentum=0.9)
            >>> w.sum().backward()
            >>> opt.step()
            >>> sd = opt.state_dict()
            >>> sd["state"]
            {0: {'momentum_buffer': tensor([1., 1.])}}
            >>> sd["param_groups"][0]["params"], sd["param_groups"][0]["lr"]
            ([0], 0.1)
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: (list(v) if isinstance(v, list) else v) for k, v in group.items() if k != "params"}
            for p in group["params"]:
                index.setdefault(id(p), len(index))
            packed["params"] = [index[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {index[id(p)]: dict(s) for p, s in self.state.items() if id(p) in index and s}
        state = dict(sorted(state.items()))
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore state saved by ``state_dict`` (possibly through ``mt.save``/``mt.load``).

        The groups must have the same number of parameters as when it was saved;
        state tensors are copied onto each parameter's backend (floating ones in its
        dtype), so training continues exactly where it stopped.

        Args:
            state_dict: a dict with ``'state'`` and ``'param_groups'``, as returned by
                ``state_dict``.

        Example:
            >>> import minitorch as mt
            >>> w = mt.ones(2, requires_grad=True)
            >>> opt = mt.optim.Adam([w], lr=0.1)
            >>> w.sum().backward()
            >>> opt.step()
            >>> opt2 = mt.optim.Adam([w], lr=0.5)
            >>> opt2.load_state_dict(opt.state_dict())
            >>> opt2.param_groups[0]["lr"], opt2.state[w]["step"]
            (0.1, 1)
        """
        if not isinstance(state_dict, dict) or "state" not in state_dict or "param_groups" not in state_dict:
            raise ValueError("an optimizer state dict must be a dict with 'state' and 'param_groups' entries")
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"loaded state dict has a different number of parameter groups: {len(saved_groups)} saved, "
                f"{len(self.param_groups)} in this optimizer"
            )
        for i, (group, saved) in enumerate(zip(self.param_groups, saved_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(
                    f"loaded state dict contains a parameter group that doesn't match the size of optimizer's group: "
                    f"group {i} has {len(saved['params'])} parameters saved, {len(group['params'])} here"
                )
        id_map: dict[Any, Tensor] = {}
        for group, saved in zip(self.param_groups, saved_groups):
            id_map.update(zip(saved["params"], group["params"]))
        unknown = [k for k in state_dict["state"] if k not in id_map]
        if unknown:
            raise ValueError(f"loaded state dict has state for parameters {unknown} that are in no parameter group")
        new_state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        for key, values in state_dict["state"].items():
            param = id_map[key]
            new_state[param] = {name: _cast_state(param, key, name, v) for name, v in values.items()}
        new_groups = []
        for group, saved in zip(self.param_groups, saved_groups):
            restored = {k: (list(v) if isinstance(v, list) else v) for k, v in saved.items() if k != "params"}
            restored["params"] = group["params"]
            for name, default in self.defaults.items():  # options missing from older or foreign state dicts
                restored.setdefault(name, default)
            if "betas" in restored:
                restored["betas"] = tuple(restored["betas"])
            new_groups.append(restored)
        self.state = new_state
        self.param_groups = new_groups

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(k for k in group if k != "params"):
                lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)


_SCALAR_STATE = ("step", "mu_product")  # Python numbers here; PyTorch keeps them as 0-d tensors


def _cast_state(param: Tensor, index: Any, name: str, value: Any) -> Any:
    """A copy of a saved state value placed like ``param``; tensors must match its shape."""
    if name in _SCALAR_STATE and isinstance(value, Tensor) and value.numel() == 1:
        number = value.item()
        return int(number) if name == "step" and float(number).is_integer() else float(number)
    if isinstance(value, Tensor):
        if value.shape != param.shape and value.ndim != 0:
            raise ValueError(
                f"state '{name}' of parameter {index} has shape {value.shape}, "
                f"but the parameter has shape {param.shape}"
            )
        out = value.detach().to(backend=param.backend)
        if value.dtype.is_floating_point and value.dtype is not param.dtype:
            out = out.to(param.dtype)
        return out.clone() if out._data is value._data else out
    if isinstance(value, dict):
        return {k: _cast_state(param, index, k, v) for k, v in value.items()}
    if isinstance(value, list):
        return [_cast_state(param, index, name, v) for v in value]
    return value
