"""Optimizers (SGD, Adam, AdamW, RMSprop, NAdam, Adagrad) and learning-rate schedules, as ``torch.optim``.

Example:
    >>> import minitorch as mt
    >>> w = mt.tensor([2.0], requires_grad=True)
    >>> opt = mt.optim.SGD([w], lr=0.1)
    >>> sched = mt.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    >>> for _ in range(2):
    ...     opt.zero_grad()
    ...     (w * w).sum().backward()
    ...     opt.step()
    ...     sched.step()
    >>> w, sched.get_last_lr()
    (tensor([1.44], requires_grad=True), [0.025])
"""

from . import lr_scheduler
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .nadam import NAdam
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["SGD", "Adagrad", "Adam", "AdamW", "NAdam", "Optimizer", "RMSprop", "lr_scheduler"]
