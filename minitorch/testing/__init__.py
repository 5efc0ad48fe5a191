"""Tools for testing minitorch and its backends: gradient checks, hypothesis strategies, conformance."""

from .gradients import check_gradients, numerical_gradients

__all__ = ["check_gradients", "numerical_gradients"]
