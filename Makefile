# corpusmap: `make test` and `make demo` work on a fresh machine with nothing installed by hand.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SHARED ?= ../shared/data
HOST   ?= 127.0.0.1
PORT   ?= 8000
export CORPUSMAP_DATA_DIR ?= $(CURDIR)/data
# The Milvus server that tests/api/test_milvus_server.py starts: milvus-lite 3.x (a
# pure-Python Milvus speaking the gRPC protocol), in its own venv so that the
# project keeps milvus-lite 2.5.1 as its embedded store.
MILVUS_SERVER_VENV := .venv-milvus-server
MILVUS_SERVER_LITE := 3.2.2
MILVUS_SERVER_PYMILVUS := 3.0.2
MILVUS_SERVER_STAMP := $(MILVUS_SERVER_VENV)/.installed-milvus-lite-$(MILVUS_SERVER_LITE)

.PHONY: install lint typecheck test test-slow demo demo-index serve bench docs clean milvus-server-venv

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# torch first, alone: this spec takes the local CPU build (any other pulls CUDA).
	$(BIN)/pip install -q --disable-pip-version-check torch==2.13.0
	$(BIN)/pip install -q --disable-pip-version-check -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# The stamp is written last: a failed install leaves none, and the server tests skip.
$(MILVUS_SERVER_STAMP):
	rm -rf $(MILVUS_SERVER_VENV)
	$(PYTHON) -m venv $(MILVUS_SERVER_VENV)
	$(MILVUS_SERVER_VENV)/bin/pip install -q --disable-pip-version-check \
		milvus-lite==$(MILVUS_SERVER_LITE) pymilvus==$(MILVUS_SERVER_PYMILVUS)
	touch $(MILVUS_SERVER_STAMP)

milvus-server-venv: $(MILVUS_SERVER_STAMP)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

# The Milvus server tests need their own venv: installed here too, so that a plain
# `make test` runs them; where it cannot be installed they skip, saying why.
test: lint typecheck
	-@$(MAKE) --no-print-directory milvus-server-venv
	$(BIN)/pytest

test-slow: install
	$(BIN)/pytest -m slow

demo-index: install
	$(BIN)/corpusmap index $(SHARED)/patents/patentsberta_claims_train.csv \
		$(SHARED)/patents/patentsberta_claims_test.csv \
		--preset patentsberta-claims --collection patent_claims
	$(BIN)/corpusmap index $(SHARED)/patents/abstracts_neural_network.csv \
		$(SHARED)/patents/abstracts_baseball.csv \
		--preset patentsview-abstracts --collection patent_abstracts

serve: install
	$(BIN)/corpusmap serve --host $(HOST) --port $(PORT)

demo: demo-index
	@echo
	@echo "corpusmap is starting on http://$(HOST):$(PORT)"
	@echo "  the app:   http://$(HOST):$(PORT)/            (collections, search, documents)"
	@echo "  landscape: http://$(HOST):$(PORT)/collections/patent_abstracts/report"
	@echo "  API docs:  http://$(HOST):$(PORT)/docs"
	@echo "  search:    curl -s -X POST http://$(HOST):$(PORT)/collections/patent_claims/search \\"
	@echo "               -H 'content-type: application/json' -d '{\"query\": \"golf club head\", \"top_k\": 5}'"
	@echo "  topics:    curl -s http://$(HOST):$(PORT)/collections/patent_abstracts/topics"
	@echo
	$(BIN)/corpusmap serve --host $(HOST) --port $(PORT)

bench: install
	$(BIN)/python -m bench.run_all

# docs/benchmarks.md (from bench/results/*.json) and docs/configuration.md (from Settings);
# tests/test_docs.py fails when they are out of date.
docs: install
	$(BIN)/python -m bench.docs

clean:
	rm -rf $(VENV) $(MILVUS_SERVER_VENV) .mypy_cache .ruff_cache .pytest_cache
