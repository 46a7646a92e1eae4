"""What a training run records and returns: the history, a callback's view of progress, the result."""

import math
from dataclasses import dataclass, field
from typing import Any, List, Optional

import numpy as np


@dataclass
class History:
    """What training recorded, one entry per record point (every ``eval_every`` steps).

    step: steps taken; samples: samples seen (step * batch_size); time: seconds
    spent in training steps (validation and callbacks not counted, so runs with
    and without live figures compare fairly); train_cost: mean training cost over
    the steps since the previous record; val_cost and metric: on the validation
    data (nan without it).
    """

    step: List[int] = field(default_factory=list)
    samples: List[int] = field(default_factory=list)
    time: List[float] = field(default_factory=list)
    train_cost: List[float] = field(default_factory=list)
    val_cost: List[float] = field(default_factory=list)
    metric: List[float] = field(default_factory=list)

    def __len__(self):
        return len(self.step)

    def append(self, **row):
        for name, value in row.items():
            getattr(self, name).append(value)

    def arrays(self):
        """The columns as a dict of numpy arrays."""
        return {name: np.asarray(getattr(self, name)) for name in self.__dataclass_fields__}


@dataclass
class Progress:
    """What a callback sees. ``net`` is the network being trained: read it, do not keep it
    (``net.copy()`` if you need it later). ``metric_name``: what ``history.metric`` holds ("accuracy", a
    metric function's name, or "metric")."""

    step: int
    steps: int
    batch_size: int
    cost: float
    net: Any  # a Network or a Sequential
    history: History
    elapsed: float
    done: bool = False
    stopped: Optional[str] = None
    message: str = ""
    metric_name: str = "metric"

    @property
    def samples(self):
        return self.step * self.batch_size


@dataclass
class TrainResult:
    """What training learned.

    net: the network after the last step (after divergence: a copy of best_net).
    best_net: the network with the lowest validation cost at a record point; without
      validation data, the lowest training cost on a batch, judged on the network that
      produced it (the one just before that record point's update).
    best_cost: that cost; history: see `History`.
    stopped: None, "diverged", "interrupted", "callback" (a callback raised StopTraining),
      "callback error" (a callback failed: the error is in ``message``, training is kept)
      or "bad data" (a sample function returned nan or inf); message: what happened."""

    net: Any
    best_net: Any
    history: History
    best_step: int
    best_cost: float = math.nan
    stopped: Optional[str] = None
    message: str = ""

    def __repr__(self):
        h = self.history
        last = f", last train cost {h.train_cost[-1]:.4g}" if len(h) else ""
        stop = f", stopped: {self.stopped}" if self.stopped else ""
        return f"TrainResult({h.step[-1] if len(h) else 0} steps{last}, best at step {self.best_step}{stop})"
