# "torch.nn, really": set up once, then `make run` (execute the series) and `make test`.
# Every target creates .venv on first use; later calls skip the install while
# requirements.txt and pyproject.toml are unchanged.

VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PYTEST := $(PY) -m pytest
JOBS   ?= $(shell nproc 2>/dev/null || echo 2)
PORT   ?= 8888

.PHONY: venv run test test-units test-notebooks lint export bench ddp lab present slides notebooks clean

venv: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt -e . 2>&1 \
	  | grep -v "^WARNING: Location" || true
	@$(PY) -c "import torch, utils" && touch $(STAMP)

## make run: execute every notebook (side by side) into build/run/; print seconds, slowest
## cell and final metrics per notebook, and the wall time
run: $(STAMP)
	$(PY) tools/notebooks.py run

## make test: lint, generated code current; then, side by side, the unit/download/W&B/browser
## tests and every notebook under nbval (numbers compared) the way Colab runs it
test: $(STAMP) lint
	$(PY) tools/notebooks.py export --check
	$(MAKE) --no-print-directory -j2 --output-sync=target test-units test-notebooks

test-units: $(STAMP)
	$(PYTEST) tests -n $(JOBS) --dist loadgroup

test-notebooks: $(STAMP)
	$(PY) tools/colab.py nbval -n $(JOBS) --dist loadscope

## make bench: fit vs a bare loop, DeviceBatches vs DataLoader, CNN samples/s, notebook
## times, measured side by side in one run; also written to build/bench.json
bench: $(STAMP)
	$(PY) tools/bench.py

## make ddp: notebook 09's CNN under DistributedDataParallel, 2 processes on CPU (notebook 12)
ddp: $(STAMP)
	OMP_NUM_THREADS=1 $(VENV)/bin/torchrun --standalone --nproc_per_node 2 -m utils.ddp --epochs 1

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

## make notebooks: export, then rebuild notebooks/*.ipynb from notebooks/src/*.py and execute
## them as Colab would (authors; NB=03 for one)
notebooks: $(STAMP)
	$(PY) tools/notebooks.py build $(NB)

clean:
	rm -rf build notebooks/wandb notebooks/traces notebooks/*.pt
