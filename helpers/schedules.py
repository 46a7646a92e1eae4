"""Learning-rate schedules: the factor by which an optimizer's lr is multiplied at step t.

A schedule is a small value (a frozen dataclass) called with the step number t = 1, 2, ...
and returning a factor in [0, 1]; ``SGD(0.1, schedule=cosine(1000, warmup=50))`` steps with
``0.1 * factor(t)``. Being values, schedules copy with the optimizer and hold no state.
"""

import math
from dataclasses import dataclass

from .checks import finite_float, positive_int


@dataclass(frozen=True)
class Cosine:
    """Linear warm-up from 0 over ``warmup`` steps, then half a cosine down to ``floor`` at ``steps``."""

    steps: int
    warmup: int = 0
    floor: float = 0.0

    def __post_init__(self):
        positive_int("steps", self.steps)
        if isinstance(self.warmup, bool) or not isinstance(self.warmup, int) or not 0 <= self.warmup < self.steps:
            raise ValueError(f"warmup: expected a whole number of steps in [0, {self.steps}), got {self.warmup!r}")
        finite_float("floor", self.floor, low=0.0, high=1.0)

    def __call__(self, t):
        if t <= self.warmup:
            return t / self.warmup
        progress = min((t - self.warmup) / (self.steps - self.warmup), 1.0)
        return self.floor + (1 - self.floor) * 0.5 * (1 + math.cos(math.pi * progress))


@dataclass(frozen=True)
class StepDecay:
    """The factor ``gamma ** (t // every)``: the classic "divide the learning rate by 10 every so often"."""

    every: int
    gamma: float = 0.1

    def __post_init__(self):
        positive_int("every", self.every)
        finite_float("gamma", self.gamma, low=0.0, high=1.0)

    def __call__(self, t):
        return self.gamma ** (t // self.every)


def cosine(steps, warmup=0, floor=0.0):
    """`Cosine` schedule over ``steps`` steps, after ``warmup`` steps of linear warm-up."""
    return Cosine(steps, warmup, floor)


def step_decay(every, gamma=0.1):
    """`StepDecay`: multiply the learning rate by ``gamma`` every ``every`` steps."""
    return StepDecay(every, gamma)
