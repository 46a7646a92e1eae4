"""Per-step time of notebook 08's conv net: helpers.Sequential vs PyTorch CPU vs the GEMM floor.

Network: Conv2D(1,16,5,padding=2)-ReLU-MaxPool2D(2)-Conv2D(16,32,5,padding=2)-ReLU-MaxPool2D(2)-Flatten-
Dense(1568,128)-ReLU-Dense(128,10), softmax cross-entropy, plain SGD, float32, batch 128 (--batch).
A step = cost_and_gradients + opt.step (torch: zero_grad, forward, loss, backward, SGD step).
GEMM floor: exactly the matrix products of a helpers step (same shapes, transposes, dtype), on
preallocated arrays with np.matmul(..., out=...), and nothing else.

    make bench   (or: .venv/bin/python benchmarks/conv.py [--batch 128] [--steps 20] [--repeats 5] [--threads 1,2]
                  with the Makefile's malloc settings, MALLOC_TRIM_THRESHOLD_/MALLOC_MMAP_THRESHOLD_=33554432)

Targets (issue 18): helpers within 1.5x of PyTorch CPU and within 2x of its own GEMM floor. Each repeat runs every path once, back to back (interleaved),
with BLAS / torch threads 1 and 2; a path's time is the mean step time of a repeat, the table gives the
median (and min) over repeats, as wall time and as this process's CPU time. On a machine shared with
other jobs the CPU time is the steadier one for one thread; with two threads spin-waiting BLAS threads
make both noisy.
"""

import argparse
import os
import sys
import time

import numpy as np
from threadpoolctl import threadpool_limits

# Run from a fresh clone without installing: the repository root holds helpers/.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))
from helpers import SGD, Conv2D, Dense, Flatten, MaxPool2D, ReLU, Sequential  # noqa: E402


def helpers_net(dtype):
    return Sequential([Conv2D(1, 16, 5, padding=2, rng=0, dtype=dtype), ReLU(), MaxPool2D(2),
                       Conv2D(16, 32, 5, padding=2, rng=1, dtype=dtype), ReLU(), MaxPool2D(2), Flatten(),
                       Dense(1568, 128, rng=2, dtype=dtype), ReLU(), Dense(128, 10, rng=3, dtype=dtype)])


def helpers_step(batch, dtype):
    net, opt = helpers_net(dtype), SGD(0.01)
    rng = np.random.default_rng(0)
    x, y = rng.random((batch, 1, 28, 28), dtype=np.float32).astype(dtype), rng.integers(0, 10, batch)

    def step():
        cost, grads = net.cost_and_gradients(x, y, "softmax_cross_entropy")
        opt.step(net, grads)
    return step


def gemm_floor(batch, dtype):
    """The matrix products of one helpers step, in the same pieces, shapes, transposes and dtype:
    forward, weight gradients, input gradients except layer 0's."""
    rng = np.random.default_rng(0)
    net = helpers_net(dtype)
    shapes = []  # (a_shape, b_shape, transpose_a, transpose_b)
    shape = (batch, 1, 28, 28)
    for j, layer in enumerate(net.layers):
        if isinstance(layer, Conv2D):
            c_out, c_in, k = layer.weight.shape[:3]
            ow = (shape[3] + 2 * layer.padding - k) // layer.stride + 1
            for samples, rows in layer._pieces(shape):
                p = (samples.stop - samples.start) * (rows.stop - rows.start) * ow
                shapes.append(((c_out, c_in * k * k), (c_in * k * k, p), False, False))  # W @ cols
                shapes.append(((c_in * k * k, p), (c_out, p), False, True))               # cols @ dy.T
                if j > 0:
                    shapes.append(((c_out, c_in * k * k), (c_out, p), True, False))      # W.T @ dy
        elif isinstance(layer, Dense):
            n_in, n_out = layer.weight.shape
            shapes += [((batch, n_in), (n_in, n_out), False, False),   # forward
                       ((batch, n_in), (batch, n_out), True, False),   # dW = x.T @ delta
                       ((batch, n_out), (n_in, n_out), False, True)]   # dx = delta @ W.T
        shape = (batch,) + layer.output_shape(shape[1:])
    ops = []
    for a_shape, b_shape, ta, tb in shapes:
        a, b = rng.random(a_shape).astype(dtype), rng.random(b_shape).astype(dtype)
        a, b = (a.T if ta else a), (b.T if tb else b)
        ops.append((a, b, np.empty((a.shape[0], b.shape[1]), dtype)))

    def step():
        for a, b, out in ops:
            np.matmul(a, b, out=out)
    return step


def torch_step(batch, torch):
    nn = torch.nn
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 16, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Conv2d(16, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                        nn.Linear(1568, 128), nn.ReLU(), nn.Linear(128, 10))
    opt = torch.optim.SGD(net.parameters(), lr=0.01)
    x, y = torch.rand(batch, 1, 28, 28), torch.randint(0, 10, (batch,))
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss = loss_fn(net(x), y)
        loss.backward()
        opt.step()
    return step


def step_times(step, steps):
    """(wall seconds, CPU seconds of this process) per step, averaged over ``steps`` after a warm-up."""
    step()
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(steps):
        step()
    return (time.perf_counter() - wall) / steps, (time.process_time() - cpu) / steps


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--dtype", default="float32")
    parser.add_argument("--threads", default="1,2")
    args = parser.parse_args()
    dtype = np.dtype(args.dtype)
    thread_counts = [int(n) for n in args.threads.split(",")]
    try:
        import torch
        torch.set_default_dtype(torch.float32 if dtype == np.float32 else torch.float64)
    except ImportError:
        torch = None
    paths = {"helpers": helpers_step(args.batch, dtype), "GEMM floor": gemm_floor(args.batch, dtype)}
    if torch is not None:
        paths[f"PyTorch {torch.__version__}"] = torch_step(args.batch, torch)
    times = {(name, n): [] for name in paths for n in thread_counts}
    for _ in range(args.repeats):
        for n in thread_counts:
            with threadpool_limits(n, "blas"):
                if torch is not None:
                    torch.set_num_threads(n)
                for name, step in paths.items():
                    times[name, n].append(step_times(step, args.steps))
    print(f"batch {args.batch}, {dtype}, {args.repeats} repeats x {args.steps} steps, ms per step: "
          "median wall, min wall, median CPU (CPU = this process's, all threads)")
    for n in thread_counts:
        floor = np.median([t[0] for t in times["GEMM floor", n]])
        floor_cpu = np.median([t[1] for t in times["GEMM floor", n]])
        for name in paths:
            wall, cpu = np.array([t[0] for t in times[name, n]]), np.array([t[1] for t in times[name, n]])
            print(f"  {n} thread{'s' if n > 1 else ' '}  {name:<20} wall {1e3 * np.median(wall):7.2f} "
                  f"(min {1e3 * wall.min():7.2f})  CPU {1e3 * np.median(cpu):7.2f}   "
                  f"x floor: wall {np.median(wall) / floor:4.2f}  CPU {np.median(cpu) / floor_cpu:4.2f}")


if __name__ == "__main__":
    main()
