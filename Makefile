# make test: set up .venv if needed, then run the test suite.
# make demo: the main job on the embedded default: synthetic data, CPU
#            training, tracking a held-out sequence, metrics and a video.
# make pets: the real-video benchmark (PETS09-S2L1 from ../shared/data).
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: setup test demo pets lint clean

setup:
	@bash tools/setup_env.sh

test: setup
	$(PY) -m pytest tests

demo: setup
	@bash tools/run_demo.sh

pets: setup
	@bash tools/run_pets.sh

lint: setup
	$(PY) -m pip install -q flake8 isort==5.13.2 yapf==0.40.1
	$(PY) -m flake8 hmot_mm tools tests configs
	$(PY) -m isort --check-only --diff hmot_mm tools tests
	$(PY) -m yapf --diff --recursive hmot_mm tools tests

clean:
	rm -rf work_dirs .pytest_cache
