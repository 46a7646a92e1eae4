"""Every notebook runs top to bottom twice in one kernel: the working rule "re-running is safe".

A lecture re-runs cells: "restart and run all" after a demo, a training cell once more, a setup cell
again. A notebook that only works on a fresh kernel (a global changed by a later cell, an array
mutated in place, an assert that holds only the first time) fails here with the cell and the error.
Each notebook is executed as nbconvert does (cwd notebooks/, the python3 kernel), all code cells
in order, then all of them again in the same kernel.

Slow (every notebook, twice: a few minutes): select it with ``-m rerun``, leave it out with
``-m "not rerun"``, or run one notebook with ``-k 01_backprop``.
"""

import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

NOTEBOOKS_DIR = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
PASSES = 2
CELL_TIMEOUT = 900  # seconds for one cell: generous, for a loaded CI machine
ANSI_COLOURS = re.compile(r"\x1b\[[0-9;]*m")  # the kernel colours its tracebacks for a terminal


def first_line(cell):
    lines = cell.source.strip().splitlines()
    return lines[0] if lines else ""


@pytest.mark.rerun
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_twice_in_one_kernel(path, monkeypatch):
    # The kernel inherits the environment: without this, MPLBACKEND=Agg from `make test` would hide
    # the inline backend that students (and nbconvert) run the notebooks with.
    monkeypatch.delenv("MPLBACKEND", raising=False)
    nb = nbformat.read(path, as_version=4)
    code_cells = [(index, cell) for index, cell in enumerate(nb.cells) if cell.cell_type == "code"]
    assert code_cells, f"{path.name} has no code cells"
    client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOKS_DIR)}})
    with client.setup_kernel():
        for run in range(1, PASSES + 1):
            for index, cell in code_cells:
                try:
                    client.execute_cell(cell, index)
                except CellExecutionError as error:
                    pytest.fail(f"{path.name}, run {run} of {PASSES}, cell {index} ({first_line(cell)!r}) failed:\n"
                                f"{ANSI_COLOURS.sub('', str(error))}", pytrace=False)


def test_every_notebook_is_collected():
    # The parametrization above is built from this directory: an empty list would test nothing.
    assert NOTEBOOKS, f"no notebooks found in {NOTEBOOKS_DIR}"
