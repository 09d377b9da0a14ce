# make test: set up .venv if needed, then run the test suite.
# make demo: the main job on the embedded default (synthetic data).
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: setup test demo lint clean

setup:
	@bash tools/setup_env.sh

test: setup
	$(PY) -m pytest tests

demo: setup
	@echo "make demo: the end-to-end demo (synthetic data -> train -> track) is not built yet."
	@echo "It arrives with the tracking model and the synthetic generator; see README."
	@exit 2

lint: setup
	$(PY) -m pip install -q flake8 isort==5.13.2 yapf==0.40.1
	$(PY) -m flake8 hmot_mm tools tests configs
	$(PY) -m isort --check-only --diff hmot_mm tools tests
	$(PY) -m yapf --diff --recursive hmot_mm tools tests

clean:
	rm -rf work_dirs .pytest_cache
