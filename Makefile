# The course's two commands, `make lab` and `make test`, and their helpers.
# Everything runs inside .venv, created on first use from requirements.txt.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NOTEBOOKS := $(sort $(wildcard notebooks/*.ipynb))
# jupyter refuses to run as root unless told; pass the flag only when it is needed.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)

# Training allocates and frees arrays of a few hundred kB to a few MB every step. By default
# glibc returns freed memory at the top of its heap to the kernel and asks for it again on the
# next step, one page fault per 4 kB: a quarter to a third of the step time for the image-fit
# batches (benchmarks/README.md). Keeping up to 32 MB (the largest threshold every 64-bit glibc
# accepts) removes those faults. Linux only; elsewhere the variables are ignored.
export MALLOC_TRIM_THRESHOLD_ ?= 33554432
export MALLOC_MMAP_THRESHOLD_ ?= 33554432

.PHONY: lab test unit nbval notebooks bench clean-venv

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

## make lab: open JupyterLab on the course
lab: $(STAMP)
	$(BIN)/jupyter lab $(ALLOW_ROOT) notebooks

## make test: the unit tests, then every notebook under nbval
test: $(STAMP)
	MPLBACKEND=Agg $(BIN)/python -m pytest tests --nbval-lax notebooks --durations=10

unit: $(STAMP)
	MPLBACKEND=Agg $(BIN)/python -m pytest tests

nbval: $(STAMP)
	$(BIN)/python -m pytest --nbval-lax notebooks --durations=10

## make notebooks: re-execute every notebook in place, top to bottom (NB=notebooks/01_....ipynb for one).
## No per-cell timestamps: they would change every cell's metadata on every run and bury the real diff.
NB ?= $(NOTEBOOKS)
notebooks: $(STAMP)
	for nb in $(NB); do \
	  echo "executing $$nb"; \
	  (cd notebooks && ../$(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	    --ExecutePreprocessor.timeout=600 \
	    --ExecutePreprocessor.record_timing=False $$(basename $$nb)) || exit 1; \
	done

## make bench: the performance benchmark (benchmarks/README.md)
bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py

clean-venv:
	rm -rf $(VENV)
