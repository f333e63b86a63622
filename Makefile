# Two commands for a newcomer:  `make serve`  and  `make test`.
# Both create .venv and install the hub with its development tools on first use.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: serve test test-plain node-tools lint lint-cypher format schema bench-cold-start clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

serve: $(STAMP)  ## run the hub on the embedded store (with sample data) at http://127.0.0.1:8000/graphql
	$(BIN)/hub serve --demo

test: $(STAMP)  ## run the whole test suite against a real embedded store
	@$(MAKE) --no-print-directory node-tools
	$(BIN)/pytest
	$(MAKE) --no-print-directory lint-cypher

# The API's read tests again with the read engine off (HUB_READ_ENGINE=false): same answers.
PLAIN_TESTS := lists narrowed_reads partners vehicles contracts contract_items identification \
	documents projects materials partner_relationships cursors search lineage invoices http \
	console_api stewardship round_trips
test-plain: $(STAMP)  ## run the read tests with the read engine switched off
	READ_ENGINE=off $(BIN)/pytest -q $(foreach t,$(PLAIN_TESTS),tests/test_$(t).py)

# The Node.js tools the tests use when Node.js is there: the graphql-http audit.
node-tools:
	@if command -v node >/dev/null && command -v npm >/dev/null; then \
		[ -d tools/graphql-http-audit/node_modules ] || npm ci --silent --prefix tools/graphql-http-audit; \
	else echo "node-tools: skipped, Node.js is not installed"; fi

# Every statement the tests sent must also parse for Neo4j 5 (Neo4j's own Cypher front end).
lint-cypher:
	@if command -v node >/dev/null && command -v npm >/dev/null; then \
		[ -d tools/cypher-lint/node_modules ] || npm ci --silent --prefix tools/cypher-lint; \
		node tools/cypher-lint/lint.mjs build/cypher-statements.json; \
	else echo "lint-cypher: skipped, Node.js is not installed"; fi

lint: $(STAMP)  ## formatting, lint, type checks and the layers' imports
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

schema: $(STAMP)  ## refresh the committed GraphQL SDL
	$(BIN)/hub schema print -o schema.graphql

bench-cold-start: $(STAMP)
	$(BIN)/python -m bench.cold_start

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build tools/cypher-lint/node_modules
