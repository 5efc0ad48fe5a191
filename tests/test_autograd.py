"""The autograd engine: accumulation, backward options, grad modes, autograd.grad, custom Functions, deep graphs."""

from __future__ import annotations

import gc
import sys

import numpy as np
import pytest

import minitorch as mt
from minitorch.testing import check_gradients


def test_requires_grad_flags_and_leaves():
    x = mt.tensor([1.0, 2.0])
    assert not x.requires_grad and x.is_leaf
    assert x.requires_grad_() is x and x.requires_grad
    y = x * 2
    assert y.requires_grad and not y.is_leaf and y.grad_fn is not None
    assert not (mt.tensor([1.0]) * 2).requires_grad  # nothing to record
    x.requires_grad_(False)
    assert not x.requires_grad
    with pytest.raises(RuntimeError, match="floating point"):
        mt.tensor([1, 2]).requires_grad_()
    with pytest.raises(RuntimeError, match="leaf"):
        y.requires_grad = False
    assert not (y > 1).requires_grad and (y > 1).dtype is mt.bool  # comparisons are not differentiable
    assert not y.argmax().requires_grad


def test_grad_accumulates_across_backward_calls():
    x = mt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x * x).sum().backward()
    assert x.grad.tolist() == [2.0, 4.0, 6.0]
    (x * 3).sum().backward()
    assert x.grad.tolist() == [5.0, 7.0, 9.0]
    x.grad = None
    (x ** 3).sum().backward()
    assert x.grad.tolist() == [3.0, 12.0, 27.0]
    assert not x.grad.requires_grad and x.grad.grad_fn is None


def test_tensor_used_twice_sums_its_gradients():
    x = mt.tensor(3.0, requires_grad=True)
    y = x * x + x * 2 + x
    y.backward()
    assert x.grad.item() == 2 * 3.0 + 2 + 1
    a = mt.tensor([1.0, 2.0], requires_grad=True)
    b = a * 2
    (b * b + b).sum().backward()  # b feeds two consumers
    assert a.grad.tolist() == [2 * 2 * 2 + 2, 2 * 4 * 2 + 2]


def test_backward_with_gradient_argument_for_non_scalars():
    x = mt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * x
    with pytest.raises(RuntimeError, match=r"scalar outputs.*\(3,\)"):
        y.backward()
    y.backward(gradient=mt.tensor([1.0, 0.1, 0.01]))
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 0.4, 0.06], rtol=1e-6)
    with pytest.raises(RuntimeError, match=r"\(2,\).*\(3,\)"):
        (x * 2).backward(gradient=mt.ones(2))
    z = mt.tensor(2.0, requires_grad=True)
    (z * 5).backward(gradient=mt.tensor(3.0))
    assert z.grad.item() == 15.0
    with pytest.raises(RuntimeError, match="does not require grad"):
        mt.ones(2).sum().backward()
    with pytest.raises(RuntimeError, match="element 1 of tensors does not require grad"):
        mt.autograd.backward([x.sum(), mt.ones(1).sum()])


def test_retain_graph_and_freed_graph_error():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()  # allowed: the first call kept the graph
    assert x.grad.tolist() == [4.0, 8.0]
    with pytest.raises(RuntimeError, match="backward through the graph a second time.*retain_graph=True"):
        y.backward()
    z = (x.exp() * x).sum()
    mt.autograd.grad(z, x)
    with pytest.raises(RuntimeError, match="second time"):
        z.backward()


def test_detach_shares_memory_and_cuts_the_graph():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    d = x.detach()
    assert not d.requires_grad and d.is_leaf
    with mt.no_grad():
        x[0] = 10.0
    assert d.tolist() == [10.0, 2.0]  # same memory
    y = x * d  # d is a constant
    y.sum().backward()
    assert x.grad.tolist() == [10.0, 2.0]


def test_no_grad_as_context_manager_and_decorators():
    w = mt.ones(3, requires_grad=True)
    assert mt.is_grad_enabled()
    with mt.no_grad():
        assert not mt.is_grad_enabled()
        y = w * 2
        with mt.enable_grad():
            assert mt.is_grad_enabled()
            z = w * 2
        assert not mt.is_grad_enabled()
    assert mt.is_grad_enabled() and not y.requires_grad and z.requires_grad

    @mt.no_grad()
    def f(t):
        assert not mt.is_grad_enabled()
        return t * 2

    @mt.no_grad
    def g(t):
        return t * 2

    @mt.enable_grad()
    def h(t):
        return t * 2

    assert f.__name__ == "f"
    assert not f(w).requires_grad and not g(w).requires_grad and mt.is_grad_enabled()
    with mt.no_grad():
        assert h(w).requires_grad
        assert not mt.is_grad_enabled()


def test_grad_mode_is_restored_after_exceptions():
    with pytest.raises(ValueError):
        with mt.no_grad():
            raise ValueError("boom")
    assert mt.is_grad_enabled()

    @mt.no_grad()
    def fails():
        raise KeyError("boom")

    with pytest.raises(KeyError):
        fails()
    assert mt.is_grad_enabled()


def test_set_grad_enabled_as_call_and_context_manager():
    x = mt.ones(2, requires_grad=True)
    with mt.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert mt.is_grad_enabled()
    mt.set_grad_enabled(False)
    try:
        assert not (x * 2).requires_grad
    finally:
        mt.set_grad_enabled(True)
    assert (x * 2).requires_grad


def test_autograd_grad_returns_gradients_without_touching_dot_grad():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    w = mt.tensor([3.0, 4.0], requires_grad=True)
    out = (x * x * w).sum()
    gx, gw = mt.autograd.grad(out, [x, w])
    assert gx.tolist() == [6.0, 16.0] and gw.tolist() == [1.0, 4.0]
    assert x.grad is None and w.grad is None
    (gx2,) = mt.autograd.grad((x * 3).sum(), x)
    assert gx2.tolist() == [3.0, 3.0]
    h = x * 2  # a non-leaf input
    (gh,) = mt.autograd.grad((h * h).sum(), h)
    assert gh.tolist() == [4.0, 8.0]
    unused = mt.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="not used"):
        mt.autograd.grad((x * 2).sum(), [x, unused])
    assert mt.autograd.grad((x * 2).sum(), [x, unused], allow_unused=True)[1] is None
    (gv,) = mt.autograd.grad(x * x, x, grad_outputs=mt.tensor([1.0, -1.0]))
    assert gv.tolist() == [2.0, -4.0]


def test_create_graph_gives_second_derivatives():
    x = mt.tensor([1.0, 2.0], dtype=mt.float64, requires_grad=True)
    (g,) = mt.autograd.grad((x ** 3).sum(), x, create_graph=True)
    assert g.requires_grad
    (gg,) = mt.autograd.grad(g.sum(), x)
    assert gg.tolist() == [6.0, 12.0]


def test_retain_grad_keeps_non_leaf_gradients():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    h.retain_grad()
    (h * h).sum().backward()
    assert h.grad.tolist() == [6.0, 12.0] and x.grad.tolist() == [18.0, 36.0]
    k = x * 2
    (k * k).sum().backward()
    assert k.grad is None  # non-leaves keep no .grad unless asked


class Cube(mt.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * x * x


class ScaledAdd(mt.autograd.Function):
    """Two tensor inputs and a non-tensor argument; attributes on ctx."""

    @staticmethod
    def forward(ctx, a, b, scale):
        ctx.scale = scale
        return a + b * scale

    @staticmethod
    def backward(ctx, grad):
        return grad, grad * ctx.scale, None


def test_user_defined_function():
    x = mt.tensor([2.0, -1.0], requires_grad=True)
    y = Cube.apply(x)
    assert y.tolist() == [8.0, -1.0] and y.requires_grad and "Cube" in repr(y.grad_fn)
    y.sum().backward()
    assert x.grad.tolist() == [12.0, 3.0]
    a = mt.ones(2, 3, dtype=mt.float64, requires_grad=True)
    b = mt.tensor([1.0, 2.0, 3.0], dtype=mt.float64, requires_grad=True)
    out = ScaledAdd.apply(a, b, 2.0)  # b broadcasts: the engine sums its gradient back
    out.backward(gradient=mt.ones(2, 3, dtype=mt.float64))
    assert a.grad.tolist() == [[1.0] * 3] * 2 and b.grad.tolist() == [4.0, 4.0, 4.0]
    check_gradients(lambda t: Cube.apply(t), [mt.randn(3, dtype=mt.float64, requires_grad=True)])
    with mt.no_grad():
        assert not Cube.apply(x).requires_grad
    y2 = Cube.apply(x)
    y2.sum().backward()
    with pytest.raises(RuntimeError, match="second time"):
        _ = y2.grad_fn.saved_tensors


def test_user_function_returning_too_few_gradients_is_named():
    class Bad(mt.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, grad):
            return grad

    a, b = mt.ones(2, requires_grad=True), mt.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="Bad.backward returned 1 gradients, expected 2"):
        Bad.apply(a, b).sum().backward()


def test_check_gradients_catches_a_wrong_backward():
    class WrongSquare(mt.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * x  # should be 2 * x

    with pytest.raises(AssertionError, match="disagree"):
        check_gradients(lambda t: WrongSquare.apply(t), [mt.randn(3, dtype=mt.float64, requires_grad=True)])
    assert mt.autograd.gradcheck(lambda t: (t.sin() * t).sum(), [mt.randn(3, dtype=mt.float64, requires_grad=True)])


def test_gradients_through_views_and_indexing():
    x = mt.arange(12, dtype=mt.float64).reshape(3, 4).requires_grad_()
    y = x.T[1:, :2] * mt.tensor([1.0, 10.0], dtype=mt.float64)  # a view of a view, broadcast multiplier
    y.sum().backward()
    expected = np.zeros((3, 4))
    expected[0, 1:] = 1.0
    expected[1, 1:] = 10.0
    np.testing.assert_array_equal(x.grad.numpy(), expected)
    x.grad = None
    x[mt.tensor([0, 0, 2])].sum().backward()  # repeated rows accumulate
    np.testing.assert_array_equal(x.grad.numpy(), [[2.0] * 4, [0.0] * 4, [1.0] * 4])
    x.grad = None
    x[x > 6].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), (np.arange(12).reshape(3, 4) > 6).astype(float))
    x.grad = None
    x.reshape(2, 6)[1].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy().reshape(-1), [0.0] * 6 + [1.0] * 6)


def test_gradients_through_broadcasting():
    a = mt.ones(3, 1, requires_grad=True)
    b = mt.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    s = mt.tensor(2.0, requires_grad=True)
    ((a * b) * s).sum().backward()
    assert a.grad.shape == (3, 1) and a.grad.tolist() == [[20.0]] * 3
    assert b.grad.shape == (4,) and b.grad.tolist() == [6.0] * 4
    assert s.grad.shape == () and s.grad.item() == 30.0
    e = mt.ones(1, 3, requires_grad=True)
    e.expand(4, 2, 3).sum().backward()
    assert e.grad.tolist() == [[8.0, 8.0, 8.0]]


def test_gradients_through_dtype_and_backend_moves():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = x.double() * mt.tensor([3.0, 4.0], dtype=mt.float64)
    y.sum().backward()
    assert x.grad.dtype is mt.float32 and x.grad.tolist() == [3.0, 4.0]
    x.grad = None
    (x.to("numpy") * 2).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]
    x.grad = None
    (x * mt.tensor([1.0, 2.0], dtype=mt.float64)).sum().backward()  # mixed float dtypes: grad keeps x's dtype
    assert x.grad.dtype is mt.float32


def test_deep_chain_backpropagates_without_recursion():
    n = 100_000
    assert n > sys.getrecursionlimit()
    x = mt.tensor([1.0], dtype=mt.float64, requires_grad=True)
    y = x
    for _ in range(n):
        y = y * 1.00001
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.00001 ** n], rtol=1e-9)
    del y
    gc.collect()


def test_deep_graph_can_be_deleted_without_backward():
    x = mt.ones(1, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y + 1.0
    del y  # a recursive teardown would overflow the C stack here
    gc.collect()
    assert x.grad is None


def test_leaf_used_by_many_consumers_and_diamond_graph():
    x = mt.tensor(0.5, dtype=mt.float64, requires_grad=True)
    a, b = x.sin(), x.cos()
    top = a * b + a.exp()  # a diamond: x -> a -> top, x -> b -> top, and a used twice
    top.backward()
    expected = np.cos(1.0) + np.cos(0.5) * np.exp(np.sin(0.5))
    assert abs(x.grad.item() - expected) < 1e-12


def test_backward_of_multiple_outputs_at_once():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y1, y2 = (x * 2).sum(), (x * x).sum()
    mt.autograd.backward([y1, y2])
    assert x.grad.tolist() == [4.0, 6.0]
    h = x * 3
    mt.autograd.backward([h.sum(), (h * h).sum()])  # one output depends on the other's graph
    assert x.grad.tolist() == [4.0 + 3 + 18, 6.0 + 3 + 36]


def test_user_function_may_return_its_input_unchanged():
    class GradReverse(mt.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x  # the output must still get its own graph node

        @staticmethod
        def backward(ctx, grad):
            return -grad

    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = GradReverse.apply(x)
    assert y is not x and x.is_leaf and not y.is_leaf
    (y * 3).sum().backward()
    assert x.grad.tolist() == [-3.0, -3.0]
