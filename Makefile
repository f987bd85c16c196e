# "torch.nn, really": set up once, then `make run` (execute the series) and `make test`.
# Every target creates .venv on first use; later calls skip the install while
# requirements.txt and pyproject.toml are unchanged.

VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PYTEST := $(PY) -m pytest
JOBS   ?= $(shell nproc 2>/dev/null || echo 2)
PORT   ?= 8888
# each stage of `make test` records its seconds (and pytest's JUnit report) here: make timings
TIMINGS := $(CURDIR)/build/timings
STAGE    = $(PY) tools/timings.py run $@ --
# the unit tests of `make check`, and of those none that opens Chromium (the "browser" mark,
# set in tests/conftest.py). Left to `make test`: training and retraining (ddp, seeds, ablation,
# tracking, exercise runs), the book build, nbval and pytest runs of copies (nbval_guard,
# xdist_groups) and make targets run whole (make_targets)
CHECK_TESTS := $(wildcard $(addprefix tests/test_,$(addsuffix .py,check data density exercises \
  exit_codes figures models notebooks plots training a11y slides)))

.PHONY: venv run check timings test test-units test-notebooks test-alone test-other-cpu test-exercises seeds ablation cpu-spread lint export bench ddp ddp-nodes ddp-crash lab present slides book handouts notebooks clean test-torch

venv: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt -e .
	$(PY) -c "import torch, utils" && touch $(STAMP)

## make run: execute every notebook (side by side) into build/run/; print seconds, slowest
## cell and final metrics per notebook, and the wall time
run: $(STAMP)
	$(PY) tools/notebooks.py run $(NB)

## make test: lint, generated code current; then, side by side, the unit/download/W&B/browser
## tests and every notebook under nbval (numbers compared) the way Colab runs it; then, side by
## side, the training notebooks with another CPU's arithmetic imitated, and the exercise runs.
## Each stage's seconds go to build/timings/ (the run before to build/timings/previous/)
## and are printed at the end: `make timings` prints them again
test: $(STAMP)
	@$(PY) tools/timings.py rotate
	$(PY) tools/timings.py run lint -- $(MAKE) --no-print-directory lint
	$(PY) tools/timings.py run export-check -- $(PY) tools/notebooks.py export --check
	$(MAKE) --no-print-directory -j2 --output-sync=target test-units test-notebooks
	$(MAKE) --no-print-directory test-alone test-other-cpu test-exercises
	@$(PY) tools/timings.py report

## make check: the first look while writing (3 minutes): lint, the export check, the unit tests
## that need no browser and no training, and nbval of the notebooks whose sources changed since
## main (BASE=main; commits, uncommitted and new files), or of NB=03; `make test` before submitting
check: $(STAMP)
	@$(PY) tools/check.py changed $(NB) >/dev/null
	$(MAKE) --no-print-directory lint
	$(PY) tools/notebooks.py export --check
	$(PYTEST) $(CHECK_TESTS) -m "not browser" -n $(JOBS) --dist loadgroup -q
	$(PY) tools/check.py nbval $(NB)

## make timings: each stage's seconds, tests, share and ratio to the run before, of the last
## `make test` (from build/timings/; nothing is run)
timings: $(STAMP)
	@$(PY) tools/timings.py report

test-units: $(STAMP)
	$(STAGE) $(PYTEST) tests -n $(JOBS) --dist loadgroup --durations 15 --junitxml $(TIMINGS)/$@.xml

## the notebooks that run side by side (one thread each) ...
test-notebooks: $(STAMP)
	$(STAGE) $(PY) tools/colab.py nbval --group together -- -n $(JOBS) --dist loadscope --durations 10 \
	  --junitxml $(TIMINGS)/$@.xml

## ... and those that take every core (11, 12), one at a time, with nothing beside them
test-alone: $(STAMP)
	$(STAGE) $(PY) tools/colab.py nbval --group alone -- --durations 5 --junitxml $(TIMINGS)/$@.xml

## make test-other-cpu: notebooks 08-10, 11 (without its cells tagged "long") and 12 under
## nbval with an older CPU's kernels (plain C++ in ATen, SSE4.1 in oneDNN): the stored numbers,
## made on this CPU, must still pass (tests/nbval_numbers.py declares the tolerances); a first
## cell in each asserts that its kernel really uses those kernels (--imitate-cpu)
test-other-cpu: $(STAMP)
	ATEN_CPU_CAPABILITY=default ONEDNN_MAX_CPU_ISA=SSE41 \
	  $(STAGE) $(PY) tools/colab.py nbval --imitate-cpu --skip-long --only 08 09 10 11 12 \
	  -- -n $(JOBS) --dist loadscope --junitxml $(TIMINGS)/$@.xml

## make test-exercises: notebooks 01-11 with every exercise solved (stored outputs, every check
## passed) and with every exercise raising (the notebooks still run to the end)
test-exercises: $(STAMP)
	EXERCISE_RUNS=1 $(STAGE) $(PYTEST) tests/test_exercise_runs.py --junitxml $(TIMINGS)/$@.xml

## make seeds: the logistic regression and the CNNs of 08 and 09 over 5 seeds, one epoch with the
## original tutorial's recipe and the series', and the tutorial's own two epochs, into
## utils/seed_spread.json with this machine's CPU and torch (SEEDS=, LIMIT=, OUT=)
SEEDS ?= 5
seeds: $(STAMP)
	$(PY) tools/seeds.py --seeds $(SEEDS) $(if $(LIMIT),--limit $(LIMIT)) $(if $(OUT),--out $(OUT))

## make ablation: notebook 11's final recipe, and the recipe without each of its changes, over 5
## seeds, into utils/recipe_ablation.json, which notebook 11 reads (13 minutes on the idle
## 2-core AVX-512 EPYC that made it; SEEDS=, LIMIT=, OUT=)
ablation: $(STAMP)
	$(PY) tools/ablation.py --seeds $(SEEDS) $(if $(LIMIT),--limit $(LIMIT)) $(if $(OUT),--out $(OUT))

## make cpu-spread: how far the training notebooks' numbers move under other CPUs' kernels
cpu-spread: $(STAMP)
	$(PY) tools/cpu_spread.py

## make bench: fit vs a bare loop, DeviceBatches vs DataLoader, CNN samples/s, notebook
## times, measured side by side in one run; also written to build/bench.json (NB=00 times
## one notebook; ROUNDS=1 for a quick look); then the stage seconds of the last `make test`
## (`make timings` prints those alone, without measuring)
bench: $(STAMP)
	$(PY) tools/bench.py $(NB)
	@$(PY) tools/timings.py report

## make test-torch TORCH=2.9.1 PYTHON=3.12: every notebook under nbval (both groups, as
## test-notebooks and test-alone) with another torch and Python (PYTHON= defaults to python3's),
## in a venv of its own under build/torch-<torch>-py<python>/ (reused once complete), against
## the stored outputs; a cell that prints differently fails (supported range: utils/meta.py)
test-torch:
	@test -n "$(TORCH)" || { echo "make test-torch: give TORCH=, e.g. TORCH=2.9.1 PYTHON=3.12"; exit 2; }
	python3 tools/torch_versions.py test --torch $(TORCH) $(if $(PYTHON),--python $(PYTHON))

## make ddp: 09's CNN and 11's recipe under DistributedDataParallel with 1 and 2 processes on
## CPU: samples/s, the speed-up, and a step split into arithmetic and all-reduce (notebook 12;
## LIMIT=1280 for a quick look on fewer images)
ddp: $(STAMP)
	$(PY) tools/ddp.py speed $(if $(LIMIT),--limit $(LIMIT))

## make ddp-nodes: the same script as two "nodes" (two torchrun launches, one process each)
## meeting at a c10d rendezvous on 127.0.0.1 (RDZV_PORT=, default: a free port)
ddp-nodes: $(STAMP)
	$(PY) tools/ddp.py nodes $(if $(RDZV_PORT),--port $(RDZV_PORT))

## make ddp-crash: a rank dies mid-training on purpose; torchrun --max-restarts restarts the
## group, which resumes from the last checkpoint and ends where an uninterrupted run ends
ddp-crash: $(STAMP)
	$(PY) tools/ddp.py crash

## make lint: ruff (lint and format) over utils, tools and tests
lint: $(STAMP)
	$(PY) -m ruff check utils tools tests
	$(PY) -m ruff format --check utils tools tests

## make export: copy the cells marked "# saved to utils/NAME.py" into utils (authors)
export: $(STAMP)
	$(PY) tools/notebooks.py export

## make lab / make present: JupyterLab with RISE on localhost, offline; prints the first deck's URL
lab present: $(STAMP)
	$(PY) tools/present.py --port $(PORT)

## make slides: offline reveal.js HTML decks in build/slides/ (index.html links them in order)
slides: $(STAMP)
	$(PY) tools/slides.py

## make book: the series as a website to read, offline and searchable, in build/book/: one chapter
## per notebook with its stored outputs (nothing is executed), each deck beside it
book: $(STAMP)
	$(PY) tools/book.py

## make handouts: each deck printed to PDF by Chromium, one slide a page at 16:9, in
## build/handouts/ (NOTES=1: a page of speaker notes after each slide that has them)
handouts: slides
	$(PY) tools/handouts.py $(if $(NOTES),--notes)

## make notebooks: export, then rebuild notebooks/*.ipynb from notebooks/src/*.py and execute
## them as Colab would (authors; NB=03 for one)
notebooks: $(STAMP)
	$(PY) tools/notebooks.py build $(NB)

clean:
	rm -rf build notebooks/wandb notebooks/traces notebooks/*.pt
