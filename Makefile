# make test: set up .venv if needed, then run the test suite.
# make demo: the main job on the embedded default: synthetic data, CPU
#            training, tracking a held-out sequence, metrics and a video.
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: setup test demo lint clean

setup:
	@bash tools/setup_env.sh

test: setup
	$(PY) -m pytest tests

demo: setup
	@bash tools/run_demo.sh

lint: setup
	$(PY) -m pip install -q flake8 isort==5.13.2 yapf==0.40.1
	$(PY) -m flake8 hmot_mm tools tests configs
	$(PY) -m isort --check-only --diff hmot_mm tools tests
	$(PY) -m yapf --diff --recursive hmot_mm tools tests

clean:
	rm -rf work_dirs .pytest_cache
