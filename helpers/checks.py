"""Argument checks shared by the helpers: one place for each rule and its message.

Each check returns the value in its canonical type, or raises a ValueError that
names the argument, what was expected and what came.
"""

import math
import numbers

import numpy as np


def positive_int(name, value):
    """``value`` as an int >= 1; bools, floats and strings are refused."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name}: expected a positive whole number, got {value!r}")
    return int(value)


def positive_float(name, value):
    """``value`` as a finite float > 0; strings, None, lists, nan and inf are refused."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (0 < value < math.inf):
        raise ValueError(f"{name}: expected a positive number, got {value!r}")
    return float(value)


def finite_float(name, value, low=-math.inf, high=math.inf, low_inclusive=True, high_inclusive=True):
    """``value`` as a finite float in the given range (inclusive unless told otherwise)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"{name}: expected a finite number, got {value!r}")
    value = float(value)
    above = value >= low if low_inclusive else value > low
    below = value <= high if high_inclusive else value < high
    if not (above and below):
        interval = f"{'[' if low_inclusive else '('}{low:g}, {high:g}{']' if high_inclusive else ')'}"
        raise ValueError(f"{name}: expected a number in {interval}, got {value!r}")
    return value


def finite_array(name, array, hint=""):
    """``array`` as a numeric numpy array with no nan or inf in it; ``hint`` ends the message."""
    array = np.asarray(array)
    if array.dtype.kind not in "fiub":
        raise ValueError(f"{name}: expected numbers, got an array of dtype {array.dtype}")
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        bad = np.argwhere(~np.isfinite(array))[0]
        raise ValueError(
            f"{name}: expected finite numbers, got {array[tuple(bad)]} at index {tuple(int(i) for i in bad)}{hint}"
        )
    return array


def lookup(table, name, kind):
    """``table[name]``; an unknown name gets a ValueError that lists the known ones.

    table: a mapping from names to things; kind: what they are ("activation", "loss", ...).
    """
    try:
        return table[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown {kind} {name!r}; expected one of {sorted(table)}") from None


def non_negative_int(name, value):
    """``value`` as an int >= 0 (a padding); bools, floats and strings are refused."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool) and value == 0:
        return 0
    try:
        return positive_int(name, value)
    except ValueError:
        raise ValueError(f"{name}: expected a whole number >= 0, got {value!r}") from None
