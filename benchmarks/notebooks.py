"""Each notebook of the course run top to bottom, idle and next to CPU-bound programs.

The course must not stall on a busy machine (issue 12): OpenBLAS's spin-waiting threads once
made notebook 02 take 14 minutes instead of 30 s next to other work. This script executes every
notebook the way `make notebooks` does (nbconvert, a fresh kernel, the notebook's folder as the
working directory; the result is written to a temporary file, the committed notebook is not
touched), first on the machine as it is and then next to ``--busy`` processes that each keep a core
busy, and prints the wall-clock seconds of each and their ratio.

Usage:  python benchmarks/notebooks.py [--busy B] [--only 02 07 ...]

It takes roughly the course's run time idle plus two to three times that under load (about half
an hour on 2 cores). Check ``uptime`` first: "idle" is only idle on a quiet machine.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def execute(notebook, out_dir):
    """Seconds to execute ``notebook`` with nbconvert in a fresh kernel (a failure raises)."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
                    "--ExecutePreprocessor.timeout=1800", "--output-dir", str(out_dir), notebook.name],
                   cwd=notebook.parent, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def busy_processes(count):
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--busy", type=int, default=2, help="CPU-bound processes for the loaded column")
    parser.add_argument("--only", nargs="*", default=None, help="notebook number prefixes, e.g. 02 07")
    args = parser.parse_args(argv)
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    if args.only:
        notebooks = [nb for nb in notebooks if nb.name[:2] in args.only]
    print(f"# {time.strftime('%Y-%m-%d %H:%M')}  {os.cpu_count()} cores; load average before: "
          f"{os.getloadavg()[0]:.2f}; loaded = next to {args.busy} CPU-bound processes")
    rows = {}
    with tempfile.TemporaryDirectory() as out_dir:
        for condition, busy in (("idle", 0), ("loaded", args.busy)):
            procs = busy_processes(busy)
            try:
                for nb in notebooks:
                    seconds = execute(nb, out_dir)
                    rows.setdefault(nb.stem, {})[condition] = seconds
                    print(f"  {nb.stem:<36} {condition:<7} {seconds:7.1f} s", flush=True)
            finally:
                for p in procs:
                    p.kill()
                    p.wait()
    print(f"\n{'notebook':<36}{'idle s':>9}{'loaded s':>10}{'loaded/idle':>13}")
    for name, row in rows.items():
        print(f"{name:<36}{row['idle']:>9.1f}{row['loaded']:>10.1f}{row['loaded'] / row['idle']:>13.2f}")
    idle, loaded = (sum(row[c] for row in rows.values()) for c in ("idle", "loaded"))
    print(f"{'all':<36}{idle:>9.1f}{loaded:>10.1f}{loaded / idle:>13.2f}")


if __name__ == "__main__":
    main()
