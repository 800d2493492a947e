# The two commands of the README:
#   make run    set up everything, then run the whole job on the embedded defaults, with
#               judgments from three simulated annotators (labelled so) to see the loop work
#   make test   set up everything, then run the whole test suite (what CI runs)
# Everything else here is the set-up they share; it is repeated only when setup.cfg changes.

PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed
# Label Studio pins Django and ~80 other packages, so it gets a virtual environment of its own.
LABEL_STUDIO_VERSION := 1.23.2
LS_VENV := .venv-labelstudio
LS_STAMP := $(LS_VENV)/.installed-$(LABEL_STUDIO_VERSION)
# The browser tests drive Debian's Chromium (no test tool may download a browser of its own).
CHROMIUM := /usr/bin/chromium

.PHONY: run test setup clean

run: setup
	$(VENV)/bin/annotator run --demo

test: setup $(CHROMIUM)
	$(VENV)/bin/pytest $(PYTEST_ARGS)

setup: $(STAMP) $(LS_STAMP)

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

$(LS_STAMP):
	$(PYTHON) -m venv $(LS_VENV)
	$(LS_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(LS_VENV)/bin/python -m pip install --quiet 'label-studio==$(LABEL_STUDIO_VERSION)'
	touch $(LS_STAMP)

$(CHROMIUM):
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

clean:
	rm -rf $(VENV) $(LS_VENV) var
