"""The data helpers moved by concept: ``mnist`` (IDX files), ``images`` (pictures), ``targets`` (2-D functions).

This module stays only for ``from .data import pixel_grid, target_function`` in helpers/live.py;
delete it once live.py imports them from ``.images`` and ``.targets``.
"""

from .images import pixel_grid
from .targets import target_function

__all__ = ["pixel_grid", "target_function"]
