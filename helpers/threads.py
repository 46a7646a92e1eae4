"""How many BLAS threads a training run uses: chosen by timing its own steps.

OpenBLAS threads spin-wait for each other. On an idle machine two threads make a
matrix product faster; when anything else holds a core (a browser, a second
notebook, a shared CI runner) the waiting thread burns the time the other needs,
and a product becomes 10-80x slower. No fixed number is right for both, and the
load can change in the middle of a run, so `AdaptiveThreads` keeps measuring:
it times a few steps with each candidate thread count, taken in turns so that both
see the same load, and uses the faster one (more threads only when they are
clearly faster). A multi-thread step much slower than the single-thread ones ends
the trial at once (under load one such step can cost as much as dozens of others).
It tries again after a while (later each time the choice holds), and at once when
multi-thread steps become much slower than it measured. benchmarks/load.py measures
it, idle and under load.

While other processes are known to be busy for a moment, steps run with one thread and
no trial step runs: after a training callback that did real work (drew and sent a live
frame), the kernel's message threads, the server and a browser handle the frame on the
other core. A multi-thread step caught in that burst is stalled: in notebook 07's live run
with two threads fixed, the first step after a frame took 18.6 ms (median over 415 frames)
among steps of 4.1-4.9 ms, and the steps from 20 ms after the frame on were as fast as
between frames (a throwaway probe logging every step's start against the frames sent).
Such a step would also end a trial against two threads that stay faster on average.
train() calls `quiet_for` after such a callback.

Results: OpenBLAS's products give slightly different bits with one thread and
with two, in float32 (about 1e-5 relative on a 784-wide product here) and in
float64 too (about 1e-14). A run is reproducible bit for bit only with a fixed
thread count: ``train(..., blas_threads=1)``.
"""

import statistics
import time


class AdaptiveThreads:
    """Per-step BLAS thread choice for one training run; a context manager.

    Inside ``with AdaptiveThreads() as threads:`` call ``threads.before_step()``
    before a training step and ``threads.after_step(seconds)`` with its duration.
    On exit the thread count the process had before is restored. ``fixed``: an int
    pins the count (no measuring); None measures between 1 and the process's count.
    """

    def __init__(self, fixed=None, trial_steps=3, first_interval=1.0, max_interval=16.0, margin=0.9,
                 slowdown=1.5, window=5, clock=time.perf_counter):
        self.fixed, self.trial_steps, self.margin, self.clock = fixed, trial_steps, margin, clock
        self._busy_until, self._busy_step = 0.0, False
        self.first_interval, self.max_interval = first_interval, max_interval
        self.slowdown, self.window = slowdown, window
        self._libs, self._original = [], []

    def __enter__(self):
        from threadpoolctl import ThreadpoolController  # only training needs it

        self._libs = ThreadpoolController().select(user_api="blas").lib_controllers
        self._original = [lib.num_threads for lib in self._libs]
        most = max(self._original, default=1)
        self._candidates = [self.fixed] if self.fixed else ([1, most] if most > 1 else [1])
        self._interval, self._choice, self._expected = self.first_interval, self._candidates[0], None
        # The first step of a run is slower than the rest (fresh arrays, cold caches): run it with one thread and
        # leave it out of the trial, whose one-thread times are what a multi-thread step is judged against.
        self._warming_up = len(self._candidates) > 1
        self._start_trial()
        return self

    def __exit__(self, *exc):
        for lib, n in zip(self._libs, self._original):
            lib.set_num_threads(n)
        return False

    @property
    def current(self):
        """The thread count the next step runs with."""
        return self._next()[0]

    def quiet_for(self, seconds):
        """Other processes will be busy for about ``seconds`` (a callback just sent a frame to a browser): until
        then steps run with the fewest threads, untimed."""
        self._busy_until = max(self._busy_until, self.clock() + seconds)

    def before_step(self):
        # decided once, here: after_step must judge the step by the count it ran with
        n, self._busy_step = self._next()
        self._set(n)

    def _next(self):
        """(thread count, whether others are busy) for the next step; a step with a trial pending times it."""
        if self._warming_up:
            return min(self._candidates), False
        if self._busy_until > 0.0 and self.clock() < self._busy_until:
            return min(self._candidates), True
        return (self._queue[0] if self._queue else self._choice), False

    def after_step(self, seconds):
        if self._warming_up:
            self._warming_up = False
            return
        if self._busy_step:
            self._since_trial += seconds
            return  # run with the fewest threads while others were busy: it tells the trial and the check nothing
        if self._queue:
            n = self._queue.pop(0)
            self._times[n].append(seconds)
            fewest = min(self._candidates)
            if n != fewest and self._times[fewest] and seconds > self.slowdown * min(self._times[fewest]):
                self._queue = []  # clearly slower already: the rest of the trial would only cost
            if not self._queue:
                self._decide()
            return
        self._since_trial += seconds
        self._recent = (self._recent + [seconds])[-self.window:]
        # Only a multi-thread choice is re-tried for slowness: a load that slows one thread slows two more.
        slower = (self._choice > 1 and len(self._recent) == self.window and self._expected is not None
                  and statistics.median(self._recent) > self.slowdown * self._expected)
        if len(self._candidates) > 1 and (slower or self._since_trial >= self._interval):
            if slower:
                self._interval = self.first_interval
            self._start_trial()

    def _start_trial(self):
        # In turns (1, n, 1, n, ...): a load that comes or goes during the trial meets both counts alike.
        self._queue = self._candidates * self.trial_steps if len(self._candidates) > 1 else []
        self._times = {n: [] for n in self._candidates}
        self._since_trial, self._recent = 0.0, []

    def _decide(self):
        medians = {n: statistics.median(t) for n, t in self._times.items() if t}
        fewest = min(self._candidates)
        best = min(medians, key=medians.get)
        if medians[best] > self.margin * medians[fewest]:
            best = fewest  # more threads only when clearly faster: a wrong guess costs more that way round
        # A choice that holds is checked less and less often; a change is checked again soon.
        self._interval = min(2 * self._interval, self.max_interval) if best == self._choice else self.first_interval
        self._choice, self._expected = best, medians[best]

    def _set(self, n):
        for lib in self._libs:
            if lib.num_threads != n:
                lib.set_num_threads(n)
