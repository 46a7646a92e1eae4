# The course's two commands, `make lab` and `make test`, and their helpers.
# Everything runs inside .venv, created on first use: requirements.txt for the notebooks,
# requirements-test.txt on top of it for the tests. Another Python: `make lab PYTHON=python3.12`.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
NOTEBOOKS := $(sort $(wildcard notebooks/*.ipynb))
# jupyter refuses to run as root unless told; pass the flag only when it is needed.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)
MIN_PYTHON := 3.10

# A .venv whose Python no longer runs (removed or upgraded since) or is older than the course needs is
# rebuilt rather than reused; a half-finished install has no stamp and is completed on the next run.
ifneq ($(wildcard $(VENV)),)
VENV_OK := $(shell $(BIN)/python -c 'import sys; print(int(sys.version_info >= (3, 10)))' 2>/dev/null)
ifneq ($(VENV_OK),1)
$(info .venv is unusable (its Python is missing, broken or older than $(MIN_PYTHON)): rebuilding it)
$(shell rm -rf $(VENV))
endif
endif

# Training allocates and frees arrays of a few hundred kB to a few MB every step. By default
# glibc returns freed memory at the top of its heap to the kernel and asks for it again on the
# next step, one page fault per 4 kB: a quarter to a third of the step time for the image-fit
# batches (benchmarks/README.md). Keeping up to 32 MB (the largest threshold every 64-bit glibc
# accepts) removes those faults. Linux only; elsewhere the variables are ignored.
export MALLOC_TRIM_THRESHOLD_ ?= 33554432
export MALLOC_MMAP_THRESHOLD_ ?= 33554432

.PHONY: lab test unit nbval rerun browser-course notebooks bench test-lower clean-venv

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; v = sys.version_info; sys.exit(0 if v >= (3, 10) else \
	  f"the course needs Python $(MIN_PYTHON) or newer; $(PYTHON) is {v.major}.{v.minor}: \
	  run make lab PYTHON=python3.12 (or another python3.X you have)")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

$(TEST_STAMP): $(STAMP) requirements-test.txt
	$(BIN)/python -m pip install --quiet -r requirements-test.txt
	touch $(TEST_STAMP)

## make lab: open JupyterLab on the course
lab: $(STAMP)
	$(BIN)/jupyter lab $(ALLOW_ROOT) notebooks

## make test: the unit tests, then every notebook under nbval
test: $(TEST_STAMP)
	MPLBACKEND=Agg $(BIN)/python -m pytest tests -m "not rerun and not course_browser" --nbval-lax notebooks --durations=10

unit: $(TEST_STAMP)
	MPLBACKEND=Agg $(BIN)/python -m pytest tests -m "not rerun and not course_browser"

## make rerun: every notebook run top to bottom twice in one kernel (the re-run rule; CI runs it too)
rerun: $(TEST_STAMP)
	$(BIN)/python -m pytest tests/test_notebook_rerun.py -m rerun --durations=10

## make browser-course: every live-training cell of the course in JupyterLab and headless Chromium, frames per
## second and the live view's cost (on/off run time) printed per cell, each cell run at least twice each way
## (about 18 minutes; needs chromium)
browser-course: $(TEST_STAMP)
	$(BIN)/python -m pytest tests/test_browser.py -m course_browser -s --durations=10

nbval: $(TEST_STAMP)
	$(BIN)/python -m pytest --nbval-lax notebooks --durations=10

## make notebooks: re-execute every notebook in place, top to bottom (NB=notebooks/01_....ipynb for one).
## No per-cell timestamps: they would change every cell's metadata on every run and bury the real diff.
NB ?= $(NOTEBOOKS)
notebooks: $(TEST_STAMP)
	for nb in $(NB); do \
	  echo "executing $$nb"; \
	  (cd notebooks && ../$(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	    --ExecutePreprocessor.timeout=600 \
	    --ExecutePreprocessor.record_timing=False $$(basename $$nb)) || exit 1; \
	done

## make bench: the performance benchmarks (benchmarks/README.md)
bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py
	$(BIN)/python benchmarks/conv.py
	$(BIN)/python benchmarks/load.py
	$(BIN)/python benchmarks/live.py

## make test-lower: the unit tests and notebook 01 in a second environment with exactly the lowest
## versions requirements*.txt allow, so that a lower bound that stops working fails CI, not a student.
LOWER := .venv-lower
$(LOWER)/.installed: requirements.txt requirements-test.txt
	rm -rf $(LOWER)
	$(PYTHON) -m venv $(LOWER)
	$(LOWER)/bin/python -m pip install --quiet --upgrade pip
	sed -n 's/^\([A-Za-z0-9_.-]*\)>=\([^ ]*\).*/\1==\2/p' requirements.txt requirements-test.txt > $(LOWER)/constraints.txt
	$(LOWER)/bin/python -m pip install --quiet -c $(LOWER)/constraints.txt -r requirements-test.txt
	touch $(LOWER)/.installed

test-lower: $(LOWER)/.installed
	$(LOWER)/bin/python -m pip list --format=freeze | grep -iE "^($$(sed 's/==.*//' $(LOWER)/constraints.txt | paste -sd'|'))=="
	MPLBACKEND=Agg $(LOWER)/bin/python -m pytest tests --ignore=tests/test_browser.py \
	  --ignore=tests/test_notebook_rerun.py --nbval-lax notebooks/01_backprop_from_scratch.ipynb

clean-venv:
	rm -rf $(VENV) $(LOWER)
