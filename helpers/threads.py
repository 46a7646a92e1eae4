"""How many BLAS threads a training run uses: chosen by timing its own steps.

OpenBLAS threads spin-wait for each other. On an idle machine two threads make a
matrix product faster; when anything else holds a core (a browser, a second
notebook, a shared CI runner) the waiting thread burns the time the other needs,
and a product becomes 10-80x slower. No fixed number is right for both, and the
load can change in the middle of a run, so `AdaptiveThreads` keeps measuring:
it times a few steps with each candidate thread count, uses the faster one, and
tries again after a while (sooner if the choice just changed, later if it held).
It costs a few steps at the slower setting per check (benchmarks/README.md has
the figures, idle and under load).

Results: OpenBLAS's products give slightly different bits with one thread and
with two, in float32 (about 1e-5 relative on a 784-wide product here) and in
float64 too (about 1e-14). A run is reproducible bit for bit only with a fixed
thread count: ``train(..., blas_threads=1)``.
"""

import time


class AdaptiveThreads:
    """Per-step BLAS thread choice for one training run; a context manager.

    Inside ``with AdaptiveThreads() as threads:`` call ``threads.before_step()``
    before a training step and ``threads.after_step(seconds)`` with its duration.
    On exit the thread count the process had before is restored. ``fixed``: an int
    pins the count (no measuring); None measures between 1 and the process's count.
    """

    def __init__(self, fixed=None, trial_steps=3, first_interval=1.0, max_interval=16.0):
        self.fixed, self.trial_steps = fixed, trial_steps
        self.first_interval, self.max_interval = first_interval, max_interval
        self._libs, self._original = [], []

    def __enter__(self):
        from threadpoolctl import ThreadpoolController  # only training needs it

        self._libs = ThreadpoolController().select(user_api="blas").lib_controllers
        self._original = [lib.num_threads for lib in self._libs]
        most = max(self._original, default=1)
        self._candidates = [self.fixed] if self.fixed else ([most, 1] if most > 1 else [1])
        self._interval, self._choice = self.first_interval, self._candidates[0]
        self._start_trial()
        return self

    def __exit__(self, *exc):
        for lib, n in zip(self._libs, self._original):
            lib.set_num_threads(n)
        return False

    @property
    def current(self):
        """The thread count the next step runs with."""
        return self._trial[0][0] if self._trial else self._choice

    def before_step(self):
        self._set(self.current)

    def after_step(self, seconds):
        if self._trial:
            n, times = self._trial[0]
            times.append(seconds)
            if len(times) == self.trial_steps:
                self._done.append((sorted(times)[len(times) // 2], n))  # the median: one slow step is noise
                self._trial.pop(0)
                if not self._trial:
                    self._decide()
        else:
            self._since_trial += seconds
            if self._since_trial >= self._interval and len(self._candidates) > 1:
                self._start_trial()

    def _start_trial(self):
        self._trial = [(n, []) for n in self._candidates] if len(self._candidates) > 1 else []
        self._done, self._since_trial = [], 0.0

    def _decide(self):
        best = min(self._done)[1]
        # A choice that holds is checked less and less often; a change is checked again soon.
        self._interval = min(2 * self._interval, self.max_interval) if best == self._choice else self.first_interval
        self._choice = best

    def _set(self, n):
        for lib in self._libs:
            if lib.num_threads != n:
                lib.set_num_threads(n)
