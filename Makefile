# "torch.nn, really": set up once, then `make run` (execute the series) and `make test`.
# Every target creates .venv on first use; later calls skip the install while
# requirements.txt and pyproject.toml are unchanged.

VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PYTEST := $(PY) -m pytest
NBVAL  := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg
PORT   ?= 8888

.PHONY: venv run test lab present slides notebooks clean

venv: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt -e . 2>&1 \
	  | grep -v "^WARNING: Location" || true
	@$(PY) -c "import torch, utils" && touch $(STAMP)

## make run: execute every notebook into build/run/ and print seconds and final metrics
run: $(STAMP)
	$(PY) tools/notebooks.py run

## make test: unit and download tests, browser tests, and every notebook under nbval (strict)
test: $(STAMP)
	$(PYTEST) tests $(wildcard notebooks/[0-9][0-9]_*.ipynb) $(NBVAL)

## make lab / make present: JupyterLab with RISE on localhost, offline; prints the first deck's URL
lab present: $(STAMP)
	$(PY) tools/present.py --port $(PORT)

## make slides: offline reveal.js HTML decks in build/slides/ (index.html links them in order)
slides: $(STAMP)
	$(PY) tools/slides.py

## make notebooks: rebuild notebooks/*.ipynb from notebooks/src/*.py and execute them (authors)
notebooks: $(STAMP)
	$(PY) tools/notebooks.py build $(NB)

clean:
	rm -rf build notebooks/wandb notebooks/traces
