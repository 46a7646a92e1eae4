"""What one live frame costs the kernel: the first, one after the cost axes moved, the steady ones, the final.

helpers.LiveTraining draws a frame by blitting (helpers/canvas.py): the figure is laid out and drawn
whole once, then each frame pastes the kept background back and draws only what moved. This script
draws the course's two kinds of live figure, at the size the notebooks use, from a made-up history
(so no training time is mixed in), and prints the milliseconds of each kind of frame, median over
``--repeats`` fresh figures:

  first     the first frame of a run: constrained layout and the whole figure drawn
  moved     a frame whose cost axes moved to new limits (a new decade of the cost): the axes drawn again
  steady    an ordinary frame: the curves, the titles and the view's image or labels
  final     the last frame, the one the notebook keeps: full resolution, laid out again, encoded as PNG

One matplotlib figure is drawn before the timing, as a notebook has drawn figures before its live
cell (fonts and text layout are set up once per process). The browser's share of a frame (decoding,
painting, JupyterLab's output model) is measured by tests/test_browser.py, not here.

Usage:  python benchmarks/live.py [--repeats R]
"""

import argparse
import io
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))
import helpers  # noqa: E402
from helpers.results import History, Progress  # noqa: E402


class Discard:
    """An output that throws the frames away (the kernel's side of a frame is what is timed)."""

    def frame(self, frame, text):
        pass

    def line(self, html_text, text):
        pass


def figures():
    """(name, LiveTraining factory, network) for notebook 01's function view and notebooks 04/07's digits."""
    grid = np.stack(np.meshgrid(np.linspace(-1, 1, 100), np.linspace(-1, 1, 100)), -1).reshape(-1, 2)
    small = helpers.Network.random([2, 30, 30, 1], rng=0)
    rng = np.random.default_rng(0)
    digits = rng.uniform(size=(16, 28, 28)).astype(np.float32)
    mnist = helpers.Network.random([784, 256, 128, 10], rng=0, dtype=np.float32)

    def function_view():
        view = helpers.ImageView(lambda net: net.predict(grid).reshape(100, 100), target=rng.uniform(size=(100, 100)),
                                 extent=(-1, 1, -1, 1), cmap="viridis", title="ReLU network")
        return helpers.LiveTraining(view, title="2-30-30-1 ReLU network learning the wavy edge, plain SGD",
                                    interactive=True, max_fps=None, output=Discard())

    def digits_view():
        view = helpers.DigitsView(digits, rng.integers(0, 10, size=16))
        return helpers.LiveTraining(view, log_scale=False, title="784-256-128-10, Adam with cosine decay",
                                    interactive=True, max_fps=None, output=Discard())

    return [("function (01)", function_view, small), ("digits (04, 07)", digits_view, mnist)]


def time_run(make_live, net, frames=12):
    """Milliseconds of each frame of one run: {"first": ..., "moved": [...], "steady": [...], "final": ...}."""
    live, history, out = make_live(), History(), {"moved": [], "steady": []}
    for k in range(1, frames + 1):
        # a cost that falls through a decade at frames 4 and 9: the axes move there (and, linear, now and then)
        cost = 0.5 * (0.1 if k >= 4 else 1.0) * (0.1 if k >= 9 else 1.0) * (1 + 0.01 * np.cos(k))
        history.append(step=100 * k, samples=3200 * k, time=0.05 * k, train_cost=cost, val_cost=1.1 * cost,
                       metric=0.5 + 0.03 * k)
        done = k == frames
        progress = Progress(100 * k, 100 * frames, 32, cost, net, history, 0.05 * k, done)
        limits = live.cost_panel.ax.get_ylim() if live.cost_panel else None
        start = time.perf_counter()
        live(progress)
        ms = (time.perf_counter() - start) * 1000
        moved = live.cost_panel.ax.get_ylim() != limits
        kind = "first" if k == 1 else "final" if done else "moved" if moved else "steady"
        if kind in ("first", "final"):
            out[kind] = ms
        else:
            out[kind].append(ms)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots()  # what a notebook has done before its live cell: one figure drawn
    ax.semilogy([1, 2], [1e-3, 1.0])
    ax.set_title("warm-up")
    fig.savefig(io.BytesIO(), format="png")
    plt.close(fig)
    print(f"# {time.strftime('%Y-%m-%d %H:%M')}  load average before: {os.getloadavg()[0]:.2f}; "
          f"ms per frame, median of {args.repeats} runs")
    print(f"{'figure':<18}{'first':>8}{'moved':>8}{'steady':>8}{'final':>8}")
    for name, make_live, net in figures():
        runs = [time_run(make_live, net) for _ in range(args.repeats)]
        first = statistics.median(r["first"] for r in runs)
        moved = statistics.median(m for r in runs for m in r["moved"])
        steady = statistics.median(s for r in runs for s in r["steady"])
        final = statistics.median(r["final"] for r in runs)
        print(f"{name:<18}{first:>8.1f}{moved:>8.1f}{steady:>8.1f}{final:>8.1f}")


if __name__ == "__main__":
    main()
