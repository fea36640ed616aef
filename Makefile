# Two commands for a newcomer: `make run` (set up and open the app) and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test lint unit e2e package bench bench-large bench-smoke clean sysdeps-run sysdeps-test sysdeps-bench \
        team-node-build team-node team-node-stop bench-team

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

test: sysdeps-test $(STAMP) team-node-build lint unit

# A real OpenSearch 2.19 node (packaging/opensearch-node) for the team-backend tests, which
# start their own; `team-node` runs one in the background for trying team mode by hand and
# prints OPENSEARCH_URL=... last (TEAM_NODE_PORT=9200 picks the port). The first build fetches
# about 85 MB from Maven Central into ~/.m2; later builds run offline.
team-node-build:
	sh packaging/opensearch-node/node.sh build

team-node: team-node-build
	@sh packaging/opensearch-node/node.sh start

team-node-stop:
	@sh packaging/opensearch-node/node.sh stop

sysdeps-bench:
	sh packaging/sysdeps.sh bench

bench: sysdeps-bench $(STAMP)
	$(PY) -m compileall -q desktop
	$(PY) benchmarks/run.py --sizes 1000,10000,50000 --recoll

# 200,000 documents beside Recoll (issue 17): about an hour and 8 GB of disk; not in `make test`.
bench-large: sysdeps-bench $(STAMP)
	$(PY) -m compileall -q desktop
	$(PY) benchmarks/run.py --sizes 200000 --recoll

# Team backend at scale (issue 18): the embedded library `make bench-large` built, copied to
# one local OpenSearch node (2 GB heap), both backends on the query mix; about 15 minutes,
# not in `make test`. TEAM_BENCH_LIBRARY=DIR benchmarks another library.
TEAM_BENCH_LIBRARY ?= benchmarks/out/work-200000/library
bench-team: $(STAMP) team-node-build
	$(PY) -m compileall -q desktop
	$(PY) benchmarks/team_bench.py --library $(TEAM_BENCH_LIBRARY) --heap 2g

bench-smoke: $(STAMP)
	$(PY) benchmarks/run.py --sizes 1000 --smoke

package: sysdeps-test $(STAMP)
	$(PY) packaging/build.py

clean:
	rm -rf build dist packaging/build packaging/dist .pytest_cache
