# Two commands for a newcomer: `make run` (set up and open the app) and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test lint unit e2e package bench bench-smoke clean sysdeps-run sysdeps-test sysdeps-bench

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,package]'
	$(PY) -m compileall -q desktop
	touch $(STAMP)

sysdeps-run:
	sh packaging/sysdeps.sh run

sysdeps-test:
	sh packaging/sysdeps.sh test

# compileall: the app's own modules are an editable install; bytecode made up front
# (as an installed package has it) saves a third of a second on every start.
run: sysdeps-run $(STAMP)
	$(PY) -m compileall -q desktop
	$(VENV)/bin/cellsight

lint: $(STAMP)
	$(VENV)/bin/ruff check desktop tests benchmarks
	$(VENV)/bin/lint-imports

unit: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

test: sysdeps-test $(STAMP) lint unit

sysdeps-bench:
	sh packaging/sysdeps.sh bench

bench: sysdeps-bench $(STAMP)
	$(PY) -m compileall -q desktop
	$(PY) benchmarks/run.py --sizes 1000,10000,50000 --recoll

bench-smoke: $(STAMP)
	$(PY) benchmarks/run.py --sizes 1000 --smoke

package: sysdeps-test $(STAMP)
	$(PY) packaging/build.py

clean:
	rm -rf build dist packaging/build packaging/dist .pytest_cache
