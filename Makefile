# Two commands on a fresh machine with Python 3.11+:  make demo   /   make test
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DEMO   ?= demo-output

.PHONY: demo test install install-test templates bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# compileall: byte-compile once, so that each `xltools` process does not recompile (where PYTHONDONTWRITEBYTECODE is set);
# xltools.datafiles does the same for the bundled TOML/CSV declarations
install: $(BIN)/python
	$(BIN)/pip install --quiet -e .
	$(BIN)/python -m compileall -q xltools >/dev/null
	$(BIN)/python -m xltools.datafiles

install-test: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	$(BIN)/python -m compileall -q xltools >/dev/null
	$(BIN)/python -m xltools.datafiles

demo: install
	$(BIN)/xltools demo --out $(DEMO)

test: install-test
	$(BIN)/python -m pytest -q

templates: install
	$(BIN)/xltools template build --out workbook_templates

bench: install-test
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) $(DEMO) build *.egg-info
