"""Where live frames go: is anyone watching (interactive or headless), and into which output.

`is_interactive` decides whether a live figure is redrawn while training runs (a front end shows
display updates) or drawn once at the end (nbval, nbconvert, plain python). `CellOutput` sends frames
and progress lines into the running cell's output, each a display updated in place; `WidgetOutput`
sends them into ipywidgets (the `Dashboard`). An output has two methods, ``frame(frame, text)`` and
``line(html_text, text)``; a frame is a `Frame`: encoded image bytes and their MIME type.

Nothing here imports IPython or ipywidgets at module level: ``import helpers`` stays light.
"""

import base64
import os
import sys
from typing import NamedTuple, Optional, Tuple

import numpy as np

_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")
# Processes that run notebooks headless; a kernel they started is not watched by anyone,
# even when it inherited JPY_SESSION_NAME from a notebook that ran them with `!make test`.
_HEADLESS_RUNNERS = ("nbconvert", "nbclient", "nbval", "pytest", "papermill", "nbmake", "testbook")


class Frame(NamedTuple):
    """One drawn frame: ``data`` the encoded image, ``mime`` "image/png" or "image/jpeg"; ``size``
    (width, height) in pixels for a live frame, so that the front end keeps its place while the next
    one decodes (None for the final frame: a notebook keeps it, and static viewers size it themselves)."""

    data: bytes
    mime: str
    size: Optional[Tuple[int, int]] = None


def is_interactive(interactive=None):
    """Whether live figures are redrawn while training runs (True) or only drawn at the end.

    The rule, first match wins:

    1. ``interactive=True`` / ``False`` passed by the caller;
    2. the environment variable ``HELPERS_LIVE``: ``1``/``true``/``yes``/``on`` or
       ``0``/``false``/``no``/``off`` (e.g. ``HELPERS_LIVE=0 jupyter lab`` for slow machines,
       ``HELPERS_LIVE=1`` for a front end this rule does not know);
    3. not inside a Jupyter kernel (plain python, pytest, terminal IPython): headless;
    4. a kernel started by a front end that shows display updates: interactive. Recognised:
       jupyter_server (JupyterLab, Notebook 7, Voila) sets ``JPY_SESSION_NAME`` for the
       kernels it starts; VS Code sets ``VSCODE_PID``/``VSCODE_CWD`` and ``__vsc_ipynb_file__``;
       Colab has ``google.colab`` loaded. Exception: when the process that launched the kernel
       (``JPY_PARENT_PID``) is a headless runner (nbconvert, nbval/pytest, papermill), which
       happens when such a run is started from a notebook's terminal or ``!`` command and
       inherits the variables above: headless;
    5. any other kernel (nbconvert --execute, nbclient, nbval, papermill): headless.
    """
    if interactive is not None:
        if not isinstance(interactive, (bool, np.bool_)):
            raise ValueError(f"interactive: expected True, False or None, got {interactive!r}")
        return bool(interactive)
    env = os.environ.get("HELPERS_LIVE", "").strip().lower()
    if env in _TRUE:
        return True
    if env in _FALSE:
        return False
    if env:
        raise ValueError(f"HELPERS_LIVE: expected one of {', '.join(_TRUE + _FALSE)} (or unset), "
                         f"got {os.environ['HELPERS_LIVE']!r}")
    shell = _kernel_shell()
    if shell is None:
        return False
    front_end = (bool(os.environ.get("JPY_SESSION_NAME"))
                 or bool(os.environ.get("VSCODE_PID") or os.environ.get("VSCODE_CWD"))
                 or "__vsc_ipynb_file__" in getattr(shell, "user_ns", {})
                 or "google.colab" in sys.modules)
    return front_end and not _launched_by_headless_runner()


def _kernel_shell():
    """The IPython shell if this process is a Jupyter kernel, else None."""
    if "IPython" not in sys.modules:
        return None  # IPython not even loaded: certainly no kernel (and no reason to import it)
    shell = sys.modules["IPython"].get_ipython()
    return shell if getattr(shell, "kernel", None) is not None else None


def _launched_by_headless_runner():
    """True when JPY_PARENT_PID names a process whose command line is nbconvert, pytest & co (Linux)."""
    pid = os.environ.get("JPY_PARENT_PID", "")
    try:
        with open(f"/proc/{int(pid)}/cmdline", "rb") as f:
            argv = f.read().decode(errors="replace").lower().split("\0")
    except (ValueError, OSError):
        return False  # no such process, or not Linux: trust the environment
    # Only the program's own name counts (python, its script or -m module), not its arguments:
    # a JupyterLab serving a folder under /tmp/pytest-of-.../ is still a JupyterLab.
    names = [os.path.basename(a) for a in argv[:3]]
    return any(runner in name for runner in _HEADLESS_RUNNERS for name in names)


class CellOutput:
    """Frames and progress lines into the running cell's output, each a display updated in place.

    Frames are sent as encoded bytes (rendered with Agg), not as a Figure object, so they look the
    same whatever matplotlib backend the kernel uses. Outside IPython, only the text is printed.
    """

    def __init__(self):
        self._handles = {}

    def frame(self, frame, text):
        """Show a `Frame`; ``text`` is its plain-text stand-in."""
        # JupyterLab replaces the <img> on every update: with its size given, the output keeps its
        # height while the new image decodes, instead of collapsing and making the page jump.
        size = {} if frame.size is None else {frame.mime: {"width": frame.size[0], "height": frame.size[1]}}
        self._show("frame", {frame.mime: base64.b64encode(frame.data).decode("ascii"), "text/plain": text}, text,
                   size)

    def line(self, html_text, text):
        """Show a progress line (HTML, and text for consoles)."""
        self._show("line", {"text/html": html_text, "text/plain": text}, text)

    def _show(self, kind, bundle, text, metadata=None):
        from IPython.core.interactiveshell import InteractiveShell
        from IPython.display import display
        if not InteractiveShell.initialized():
            print(text)
        elif kind in self._handles:
            self._handles[kind].update(bundle, raw=True, metadata=metadata)
        else:
            self._handles[kind] = display(bundle, raw=True, display_id=True, metadata=metadata)


class WidgetOutput:
    """Frames into an ``ipywidgets.Image`` and progress lines into an ``ipywidgets.HTML``
    (the `Dashboard` uses it: an ipywidgets Output area ignores display updates)."""

    def __init__(self, image, line):
        self.image, self.html = image, line

    def frame(self, frame, text):
        with self.image.hold_sync():  # format and bytes in one message: never a JPEG read as PNG
            self.image.format = frame.mime.split("/")[1]
            self.image.value = frame.data
            if frame.size is not None:  # a live frame, drawn smaller, shown at the final frame's size
                self.image.width, self.image.height = (str(n) for n in frame.size)
            self.image.layout.display = None  # shown from the first frame on (an empty Image looks broken)

    def line(self, html_text, text):
        self.html.value = html_text
