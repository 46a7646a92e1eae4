"""The BLAS thread policy on a busy machine: the same training run idle and next to CPU-bound programs.

OpenBLAS threads spin-wait for each other, so with another program on the cores a
two-thread product can be many times slower than a one-thread one. helpers.train
chooses the thread count per run by timing its own steps (helpers/threads.py).
This script times 300 MNIST-shaped float32 steps (784-256-128-10, batch 128) three
ways, idle and next to ``--busy`` CPU-bound processes, interleaved in one run (each repeat
starting with another of the three, half a second apart):

  adaptive     helpers.train(..., blas_threads=None), the default
  1 thread     helpers.train(..., blas_threads=1)
  N threads    helpers.train(..., blas_threads=N), N = what BLAS starts with (the old default)

Targets (issue 12): under load, adaptive no slower than 1 thread under the same load;
idle, no slower than N threads.

Usage:  python benchmarks/load.py [--repeats R] [--busy B] [--steps S]
"""

import argparse
import os
import statistics
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))
import helpers  # noqa: E402


def blas_threads():
    from threadpoolctl import threadpool_info

    return max((lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"), default=1)


def run(threads, data, steps):
    x, y = data
    net = helpers.Network.random([784, 256, 128, 10], rng=0, dtype=np.float32)
    start = time.perf_counter()
    helpers.train(net, x, y, loss="softmax_cross_entropy", lr=0.1, steps=steps, batch_size=128, rng=0,
                  blas_threads=threads)
    return time.perf_counter() - start


def busy_processes(count):
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--busy", type=int, default=2, help="CPU-bound processes for the loaded rows")
    parser.add_argument("--steps", type=int, default=300)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    data = (rng.random((10000, 784), dtype=np.float32), rng.integers(0, 10, 10000))
    n = blas_threads()
    paths = [("adaptive", None), ("1 thread", 1), (f"{n} threads", n)]
    print(f"# {time.strftime('%Y-%m-%d %H:%M')}  {os.cpu_count()} cores, numpy {np.__version__}, "
          f"{args.steps} steps, median of {args.repeats}; load average before: {os.getloadavg()[0]:.2f}")
    results = {}
    for condition, busy in (("idle", 0), (f"{args.busy} busy", args.busy)):
        procs = busy_processes(busy)
        try:
            time.sleep(0.5 if busy else 0)
            for name, threads in paths:
                run(threads, data, 20)  # warm-up
            times = {name: [] for name, _ in paths}
            for repeat in range(args.repeats):
                # Each repeat starts with another path (after a pause: OpenBLAS's idle threads spin for a while
                # after a multi-thread run, and would be charged to whichever run came next).
                for name, threads in paths[repeat % len(paths):] + paths[:repeat % len(paths)]:
                    time.sleep(0.5)
                    times[name].append(run(threads, data, args.steps))
        finally:
            for p in procs:
                p.kill()
                p.wait()
        results[condition] = {name: statistics.median(t) for name, t in times.items()}
    print(f"{'condition':<10}" + "".join(f"{name:>14}" for name, _ in paths))
    for condition, row in results.items():
        print(f"{condition:<10}" + "".join(f"{row[name]:>13.3f}s" for name, _ in paths))
    idle, loaded = results["idle"], results[f"{args.busy} busy"]
    print()
    print(f"idle:   adaptive / {n} threads = {idle['adaptive'] / idle[f'{n} threads']:.2f} (target <= ~1.05)")
    print(f"loaded: adaptive / 1 thread  = {loaded['adaptive'] / loaded['1 thread']:.2f} (target <= ~1.05)")
    print(f"loaded: {n} threads / 1 thread = {loaded[f'{n} threads'] / loaded['1 thread']:.2f} (the old default's cost)")


if __name__ == "__main__":
    main()
