"""Graphviz drawings of autograd graphs (``draw``) and model architectures (``draw_model``), and ``render``."""

from ._autograd import draw
from ._dot import GraphvizNotFoundError, render
from ._model import draw_model
from ._record import ModuleRecord, record_modules

GraphvizNotFoundError.__module__ = __name__  # tracebacks name it as users import it

__all__ = ["draw", "draw_model", "record_modules", "ModuleRecord", "render", "GraphvizNotFoundError"]
