"""How close does training with the helpers come to the speed of its matrix products?

Two workloads, each timed along four paths:

  train()     helpers.train(...) on a data set: the real path, batches gathered from
              shuffled indices, history recorded, a copy of the network trained;
  bare loop   net.cost_and_gradients(xb, yb, loss) + opt.step(net, grads) on
              contiguous slices of the data: what train() adds is the difference;
  GEMM floor  exactly the same matrix products (same shapes, same transposes, same
              dtype) and nothing else, np.matmul(..., out=...) on preallocated arrays;
  PyTorch     the same network, loss, batch and optimizer in PyTorch, when torch
              happens to be importable (it is not a dependency of the course).

Every figure is the median of several repeats after a warm-up; the paths of one
workload are measured one after the other inside each repeat (interleaved), so the
ratios to the floor are fair even on a machine that other programs share.

Usage:  python benchmarks/bench.py [--quick] [--threads N] [--repeats R]
                                   [--workloads mnist,image] [--dtypes float32,float64]
                                   [--image-dtypes float32,float64] [--no-torch] [--no-breakdown]
See benchmarks/README.md for how to read the table.
"""

import argparse
import os
import platform
import resource
import statistics
import sys
import time
import tracemalloc
from dataclasses import dataclass

import numpy as np

# Run from a fresh clone without installing: the repository root holds helpers/.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))
import helpers  # noqa: E402

# The variables BLAS libraries read, once, when they are loaded.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
# What glibc's malloc reads when the process starts (the Makefile sets both; see the README).
MALLOC_VARIABLES = ("MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_")


@dataclass(frozen=True)
class Workload:
    """One training run to time: a network, a loss, a batch size and a number of steps."""

    name: str
    sizes: tuple
    loss: str
    batch: int
    steps: int
    dtype: str
    lr: float

    @property
    def label(self):
        return f"{self.name} {self.dtype} b={self.batch}"

    def flops_per_step(self):
        """Matrix-product FLOPs of one step: forward 2*b*n_in*n_out per layer; backward
        the same again for dC/dw, and once more for the input delta of every layer but
        the first (backpropagation needs no delta for the input data)."""
        total = 0
        for j, (n_in, n_out) in enumerate(zip(self.sizes[:-1], self.sizes[1:])):
            total += 2 * self.batch * n_in * n_out * (2 if j == 0 else 3)
        return total


def workloads(names, dtypes, image_dtypes, quick):
    """The workloads of the issue; --quick shortens each run to a tenth."""
    found = []
    for dtype in ("float32", "float64"):
        if "mnist" in names and dtype in dtypes:
            # One epoch of 60,000 samples at batch 128 (train() drops the last partial batch).
            steps = 60000 // 128
            found.append(Workload("MNIST-MLP", (784, 256, 128, 10), "softmax_cross_entropy", 128,
                                  steps // 10 if quick else steps, dtype, 0.05))
        if "image" in names and dtype in image_dtypes:
            for batch in (800, 1600, 2400):
                found.append(Workload("image fit", (2, 100, 100, 100, 1), "quadratic", batch,
                                      100 if quick else 1000, dtype, 0.01))
    return found


# -- data -----------------------------------------------------------------------


def make_data(wl):
    """Synthetic data of the real data's shape (the speed does not depend on the values).

    MNIST-MLP: 60,000 "images" of 784 pixels in [0, 1] and labels 0..9.
    image fit: the (x, y) coordinates of a 200 x 200 picture's pixels and their grey values.
    """
    rng = np.random.default_rng(0)
    if wl.name == "MNIST-MLP":
        x = rng.random((60000, 784), dtype=np.float64).astype(wl.dtype)
        y = rng.integers(0, 10, 60000)
    else:
        side = np.linspace(-1, 1, 200)
        gx, gy = np.meshgrid(side, side)
        x = np.stack([gx.ravel(), gy.ravel()], axis=1).astype(wl.dtype)
        y = (0.5 + 0.5 * np.sin(6 * gx) * np.cos(4 * gy)).reshape(-1, 1).astype(wl.dtype)
    return x, y


# -- the paths ------------------------------------------------------------------


def run_train(wl, data, steps):
    net = helpers.Network.random(wl.sizes, rng=0, dtype=wl.dtype)
    x, y = data
    start = time.perf_counter()
    helpers.train(net, x, y, loss=wl.loss, lr=wl.lr, steps=steps, batch_size=wl.batch, rng=0)
    return time.perf_counter() - start


def run_bare(wl, data, steps):
    net = helpers.Network.random(wl.sizes, rng=0, dtype=wl.dtype)
    opt = helpers.SGD(wl.lr)
    x, y = data
    n_batches = len(x) // wl.batch
    start = time.perf_counter()
    for step in range(steps):
        i = (step % n_batches) * wl.batch
        cost, grads = net.cost_and_gradients(x[i:i + wl.batch], y[i:i + wl.batch], wl.loss)
        opt.step(net, grads)
    return time.perf_counter() - start


def gemm_floor_arrays(wl):
    """Preallocated operands and results for every matrix product of one step."""
    rng = np.random.default_rng(0)
    sizes, b = wl.sizes, wl.batch
    ws = [rng.standard_normal((n_in, n_out)).astype(wl.dtype) for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    ys = [rng.standard_normal((b, n)).astype(wl.dtype) for n in sizes]  # ys[j]: input of layer j
    deltas = [rng.standard_normal((b, n)).astype(wl.dtype) for n in sizes]  # deltas[j+1]: dC/dz of layer j
    grads = [np.empty_like(w) for w in ws]
    return ws, ys, deltas, grads


def run_floor(wl, data, steps):
    ws, ys, deltas, grads = gemm_floor_arrays(wl)
    n_layers = len(ws)
    start = time.perf_counter()
    for _ in range(steps):
        for j in range(n_layers):  # forward: z = y @ w
            np.matmul(ys[j], ws[j], out=ys[j + 1])
        for j in reversed(range(n_layers)):  # backward: dC/dw = y.T @ delta, delta @ w.T
            np.matmul(ys[j].T, deltas[j + 1], out=grads[j])
            if j > 0:
                np.matmul(deltas[j + 1], ws[j].T, out=deltas[j])
    return time.perf_counter() - start


def torch_available():
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def run_torch(wl, data, steps):
    import torch

    torch.manual_seed(0)
    dtype = getattr(torch, wl.dtype)
    layers = []
    pairs = list(zip(wl.sizes[:-1], wl.sizes[1:]))
    for j, (n_in, n_out) in enumerate(pairs):
        layers.append(torch.nn.Linear(n_in, n_out, dtype=dtype))
        if j < len(pairs) - 1:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    opt = torch.optim.SGD(model.parameters(), lr=wl.lr)
    if wl.loss == "softmax_cross_entropy":
        loss_fn = torch.nn.functional.cross_entropy
    else:
        def loss_fn(out, target):
            return 0.5 * ((out - target) ** 2).sum(dim=1).mean()
    x, y = torch.from_numpy(data[0]), torch.from_numpy(data[1])
    n_batches = len(x) // wl.batch
    start = time.perf_counter()
    for step in range(steps):
        i = (step % n_batches) * wl.batch
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x[i:i + wl.batch]), y[i:i + wl.batch])
        loss.backward()
        opt.step()
    return time.perf_counter() - start


# -- where the time beyond the GEMMs goes --------------------------------------------


def breakdown(wl, data, repeats=7, calls=50):
    """Microseconds per training step of each non-GEMM piece, timed alone on arrays of the
    real shapes (median of repeats): what the bare loop spends besides the matrix products.
    Returns a list of (piece, microseconds)."""
    rng = np.random.default_rng(0)
    net = helpers.Network.random(wl.sizes, rng=0, dtype=wl.dtype)
    x, y = data
    xb, yb = x[:wl.batch], y[:wl.batch]
    zs, ys = net.forward(xb)
    loss = helpers.get_loss(wl.loss)
    _, dcost = loss.cost_and_gradient(ys[-1], yb)
    _, grads = net.cost_and_gradients(xb, yb, wl.loss)
    act = helpers.get_activation(net.activation)
    hidden = zs[:-1]
    deltas = [rng.standard_normal(z.shape).astype(wl.dtype) for z in zs]
    opt = helpers.SGD(1e-12)  # a tiny step: the network stays as it is while we time
    idx = rng.permutation(len(x))[:wl.batch]
    tiny = helpers.Network.random([2] * len(wl.sizes), rng=0, dtype=wl.dtype)  # GEMMs of nothing
    tiny_x = np.ones((2, 2), wl.dtype)
    tiny_y = np.array([0, 1]) if wl.loss == "softmax_cross_entropy" else np.ones((2, 2), wl.dtype)

    def each(fn, arrays):
        return lambda: [fn(a) for a in arrays]

    pieces = [
        ("bias add z += b", lambda: [z.__iadd__(b) for z, b in zip(zs, net.biases)]),
        (f"{net.activation} f(z)", each(act.f, hidden)),
        (f"{net.activation} delta *= f'(z)", lambda: [d.__imul__(act.df(z)) for d, z in zip(deltas, hidden)]),
        ("bias gradient delta.sum(0)", each(lambda d: d.sum(axis=0), deltas)),
        (f"loss {wl.loss}", lambda: loss.cost_and_gradient(ys[-1], yb)),
        ("SGD step", lambda: opt.step(net, grads)),
        ("a whole step of a 2-2-..-2 net (fixed costs)", lambda: opt.step(tiny, tiny.cost_and_gradients(tiny_x, tiny_y, wl.loss)[1])),
        ("train(): batch gather x[idx], y[idx]", lambda: (x[idx], y[idx])),
    ]
    result = []
    for name, fn in pieces:
        fn()
        samples = []
        for _ in range(repeats):
            start = time.perf_counter()
            for _ in range(calls):
                fn()
            samples.append((time.perf_counter() - start) / calls * 1e6)
        result.append((name, statistics.median(samples)))
    return result


# -- memory -----------------------------------------------------------------------


def peak_numpy_mb(path, wl, data, steps):
    """Peak of the Python and numpy allocations made during a short run (tracemalloc
    sees numpy's array buffers), in MB; the data set, allocated before, is not counted."""
    tracemalloc.start()
    try:
        path(wl, data, steps)
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


# -- the table --------------------------------------------------------------------


def measure(cases, repeats, warmup_steps):
    """cases: (workload, path name, function, data). Returns {(workload, path): [seconds]}
    and {(workload, path): [minor page faults per step]}.

    One warm-up run of a few steps per case (BLAS threads, caches, allocator), then the
    repeats, each of which runs every case once: a slow moment of the machine hits all
    paths of a round rather than one path's every repeat."""
    for wl, _, fn, data in cases:
        fn(wl, data, warmup_steps)
    times = {(wl, name): [] for wl, name, _, _ in cases}
    faults = {(wl, name): [] for wl, name, _, _ in cases}
    for _ in range(repeats):
        for wl, name, fn, data in cases:
            before = minor_faults()
            times[(wl, name)].append(fn(wl, data, wl.steps))
            faults[(wl, name)].append((minor_faults() - before) / wl.steps)
    return times, faults


def minor_faults():
    """Page faults of this process so far that needed no disk: each one is the kernel
    handing a fresh page of memory to the allocator, about a microsecond apiece."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def blas_description():
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return f"{blas.get('name', '?')} {blas.get('version', '')}".strip()
    except Exception:  # the layout of show_config is not a stable API
        return "unknown BLAS"


def env_setting(variables, default):
    """'NAME=value, ...' for those of `variables` that are set, else `default`."""
    values = {v: os.environ[v] for v in variables if v in os.environ}
    return ", ".join(f"{k}={v}" for k, v in values.items()) or default


def print_table(rows):
    headers = ["workload", "path", "seconds", "samples/s", "GFLOP/s", "x floor", "peak MB", "faults/step"]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) if i < 2 else h.rjust(w) for i, (h, w) in enumerate(zip(headers, widths)))
    print(line)
    print("-" * len(line))
    previous = None
    for r in rows:
        if previous is not None and r[0] != previous:
            print()
        previous = r[0]
        print("  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))


def print_breakdown(wls, data, times):
    """Per step, in microseconds: the floor and the bare loop (from the table) and each
    non-GEMM piece timed alone, one column per workload."""
    columns = [wl for wl in wls if wl.batch == min(w.batch for w in wls if w.name == wl.name)]
    cells = {}
    for wl in columns:
        per_step = {name: statistics.median(times[(wl, name)]) / wl.steps * 1e6
                    for name in ("GEMM floor", "bare loop", "train()")}
        pieces = breakdown(wl, data[(wl.name, wl.dtype)])
        cells[wl] = ([("GEMM floor (from the table)", per_step["GEMM floor"]),
                      ("bare loop (from the table)", per_step["bare loop"]),
                      ("train() (from the table)", per_step["train()"])] + pieces)
    names = [name for name, _ in cells[columns[0]]]
    labels = [wl.label.replace("MNIST-MLP", "MNIST") for wl in columns]
    width = max(len(n) for n in names) + 2
    print("Beyond the GEMMs: microseconds per step of each piece, timed alone on arrays of the")
    print("real shapes (the names of the first workload; the others use their own loss). The")
    print("fixed costs of ~50 numpy calls per step show in the tiny-net row and, again, in the loss row:")
    print(" " * width + "".join(label.rjust(max(len(label), 9) + 2) for label in labels))
    for k, name in enumerate(names):
        row = "".join(f"{cells[wl][k][1]:.0f}".rjust(max(len(label), 9) + 2) for wl, label in zip(columns, labels))
        print(name.ljust(width) + row)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke test: a tenth of the steps, 1 repeat")
    parser.add_argument("--repeats", type=int, default=None, help="timed repeats per case (default 5; 1 with --quick)")
    parser.add_argument("--threads", type=int, default=None,
                        help="BLAS threads: sets OMP_NUM_THREADS/OPENBLAS_NUM_THREADS/MKL_NUM_THREADS "
                             "and restarts the script, since BLAS reads them only when it is loaded")
    parser.add_argument("--workloads", default="mnist,image", help="comma-separated: mnist, image")
    parser.add_argument("--dtypes", default="float32,float64", help="MNIST-MLP dtypes, comma-separated")
    parser.add_argument("--image-dtypes", default="float32",
                        help="image fit dtypes (float64 adds about five minutes), comma-separated")
    parser.add_argument("--no-breakdown", action="store_true", help="skip the table of non-GEMM costs")
    parser.add_argument("--no-torch", action="store_true", help="skip PyTorch even when it is installed")
    args = parser.parse_args(argv)

    if args.threads is not None:
        if args.threads < 1:
            parser.error(f"--threads: expected a positive number, got {args.threads}")
        wanted = str(args.threads)
        if any(os.environ.get(v) != wanted for v in THREAD_VARIABLES):
            os.environ.update({v: wanted for v in THREAD_VARIABLES})
            os.execv(sys.executable, [sys.executable] + sys.argv)  # numpy is loaded: restart so BLAS sees them
    names = {n.strip() for n in args.workloads.split(",") if n.strip()}
    dtypes = [d.strip() for d in args.dtypes.split(",") if d.strip()]
    if not names <= {"mnist", "image"} or not names:
        parser.error(f"--workloads: expected mnist and/or image, got {args.workloads!r}")
    image_dtypes = [d.strip() for d in args.image_dtypes.split(",") if d.strip()]
    for option, given in (("--dtypes", dtypes), ("--image-dtypes", image_dtypes)):
        if not set(given) <= {"float32", "float64"} or not given:
            parser.error(f"{option}: expected float32 and/or float64, got {','.join(given)!r}")
    repeats = args.repeats or (1 if args.quick else 5)
    use_torch = not args.no_torch and torch_available()
    if use_torch:
        import torch
        torch.set_num_threads(args.threads or os.cpu_count())

    wls = workloads(names, dtypes, image_dtypes, args.quick)
    paths = [("train()", run_train), ("bare loop", run_bare), ("GEMM floor", run_floor)]
    if use_torch:
        paths.append(("PyTorch " + torch.__version__.split("+")[0], run_torch))
    print(f"# {time.strftime('%Y-%m-%d %H:%M')}  {platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, numpy {np.__version__} with {blas_description()}")
    malloc = env_setting(MALLOC_VARIABLES, "glibc default (freed memory at the top of the heap goes back to the kernel)")
    threads = env_setting(THREAD_VARIABLES, f"BLAS default (usually all {os.cpu_count()} cores)")
    print(f"# malloc: {malloc}")
    print(f"# threads: {threads}; median of {repeats} repeat(s) after a warm-up"
          + (" (--quick: a tenth of the steps)" if args.quick else ""))
    if not use_torch:
        print("# PyTorch: not installed, no row" if not args.no_torch else "# PyTorch: skipped (--no-torch)")
    print()

    data = {}
    cases = []
    for wl in wls:
        key = (wl.name, wl.dtype)
        if key not in data:
            data[key] = make_data(wl)
        cases += [(wl, name, fn, data[key]) for name, fn in paths]
    times, faults = measure(cases, repeats, warmup_steps=5)

    rows, ratios = [], {}
    for wl in wls:
        floor = statistics.median(times[(wl, "GEMM floor")])
        for name, fn in paths:
            seconds = statistics.median(times[(wl, name)])
            memory = ("n/a" if name.startswith("PyTorch")
                      else f"{peak_numpy_mb(fn, wl, data[(wl.name, wl.dtype)], min(wl.steps, 50)):.1f}")
            ratios[(wl, name)] = seconds / floor
            rows.append([wl.label, name, f"{seconds:.3f}", f"{wl.steps * wl.batch / seconds:,.0f}",
                         f"{wl.flops_per_step() * wl.steps / seconds / 1e9:.1f}", f"{seconds / floor:.2f}", memory,
                         f"{statistics.median(faults[(wl, name)]):.0f}"])
    print_table(rows)
    print()
    print("x floor: time / time of the same matrix products alone (GEMM floor row), same run.")
    print("peak MB: tracemalloc peak of numpy's allocations during 50 steps (data set excluded);")
    print(f"         whole process ru_maxrss: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB.")
    print("faults/step: minor page faults per training step (fresh memory from the kernel), median.")
    print()
    targets = [("MNIST-MLP", "float32", 1.10), ("image fit", "float32", 1.25)]
    for name, dtype, limit in targets:
        for wl in wls:
            if wl.name == name and wl.dtype == dtype:
                r = ratios[(wl, "train()")]
                print(f"target: {wl.label} train() within {limit:.2f}x of the floor: "
                      f"{r:.2f}x, {'met' if r <= limit else 'MISSED'}")
    if not args.no_breakdown:
        print()
        print_breakdown(wls, data, times)


if __name__ == "__main__":
    main()
