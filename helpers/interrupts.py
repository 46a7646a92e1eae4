"""Hold back an interrupt (Ctrl-C, Jupyter's stop button) until a block of code is done.

An optimizer step changes many arrays one after the other; an interrupt that lands
between two of them would leave a network that no step of training ever produced.
Inside ``deferred_interrupt()`` a SIGINT is only noted; it is raised when the block
ends, so the block runs whole or not at all.
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
            if callable(previous):
                previous(signal.SIGINT, received[0])  # the default handler raises KeyboardInterrupt
            elif previous != signal.SIG_IGN:
                raise KeyboardInterrupt
