"""Hold back an interrupt (Ctrl-C, Jupyter's stop button) until a block of code is done.

An optimizer step changes many arrays one after the other; an interrupt that lands
between two of them would leave a network that no step of training ever produced.
Inside ``deferred_interrupt()`` a SIGINT is only noted; it is raised when the block
ends, so the block runs whole or not at all.

`train` runs thousands of such blocks, and swapping the SIGINT handler costs ~5 µs a
call in Python (a quarter of a small network's step, two swaps per block, two blocks
per step), so it installs one `InterruptHold` for the whole run instead: its handler
raises at once, as Python's does, except while ``hold.depth`` is above zero, when it
notes the interrupt for ``hold.release()``.
"""

import signal
import threading
from contextlib import contextmanager


@contextmanager
def deferred_interrupt():
    """Run the block, then deliver any SIGINT that arrived during it (as KeyboardInterrupt)."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signals reach only the main thread: nothing can land here
        return
    received = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(frame))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if received:
            _deliver(previous, received[0])


def _deliver(previous, frame):
    """A SIGINT held back, delivered as the handler that was there before would have: Python's default raises
    KeyboardInterrupt; SIG_IGN ignores it."""
    if callable(previous):
        previous(signal.SIGINT, frame)
    elif previous != signal.SIG_IGN:
        raise KeyboardInterrupt


class InterruptHold:
    """One SIGINT handler for a whole run of short blocks (a context manager; a no-op outside the main thread).

        with InterruptHold() as hold:
            ...                      # an interrupt here is raised at once
            hold.depth += 1
            try:
                ...                  # here it waits
            finally:
                hold.depth -= 1
            hold.release()           # and is raised here
    """

    def __init__(self):
        self.depth, self._frame, self._previous, self._installed = 0, None, None, False

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
            self._installed = True
        return self

    def __exit__(self, *exc):
        if self._installed:
            signal.signal(signal.SIGINT, self._previous)
            self._installed = False
        return False

    def _handle(self, signum, frame):
        self._frame = frame
        if not self.depth:
            self.release()

    def release(self):
        """Deliver an interrupt noted while held (the handler that was there before decides what it does)."""
        if self._frame is None:
            return
        frame, self._frame = self._frame, None
        _deliver(self._previous, frame)
