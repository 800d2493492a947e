# The two commands of the README:
#   make run    set up everything, then run the whole job on the embedded defaults
#   make test   set up everything, then run the whole test suite (what CI runs)
# Everything else here is the set-up they share; it is repeated only when setup.cfg changes.

PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: run test setup clean

run: setup
	$(VENV)/bin/annotator run

test: setup
	$(VENV)/bin/pytest $(PYTEST_ARGS)

setup: $(STAMP)

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) var
