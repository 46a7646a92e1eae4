"""The projector style sheet: larger fonts, thicker lines, wider figures, for a lecture hall.

``PROJECTOR_STYLE`` is the path of ``projector.mplstyle`` (beside this file), a matplotlib style
sheet: ``plt.style.use(helpers.PROJECTOR_STYLE)`` for a whole notebook (live figures and dashboards
included), ``with plt.style.context(helpers.PROJECTOR_STYLE):`` for one cell.
"""

from pathlib import Path

PROJECTOR_STYLE = str(Path(__file__).with_name("projector.mplstyle"))
