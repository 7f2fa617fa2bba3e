# Community Map: the two commands a fresh clone needs are `make site` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export NO_MKDOCS_2_WARNING := 1

.PHONY: site test serve validate geocode bench bench-small lint chromium clean setup review

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

## Set up and build the site from the sample entries into site/ (no network during the build).
site: $(VENV)/.installed
	$(BIN)/mkdocs build --strict

## Set up (including Debian's chromium for the browser tests) and run every test.
test: $(VENV)/.installed chromium
	$(BIN)/python -m pytest -q

## Preview at http://127.0.0.1:8000, rebuilding when an entry or the schema changes.
serve: $(VENV)/.installed
	$(BIN)/mkdocs serve

validate: $(VENV)/.installed
	$(BIN)/community-map validate

geocode: $(VENV)/.installed
	$(BIN)/community-map geocode

## Synthetic entries at 1,000 and 10,000: timings per phase, memory and page weights.
bench: $(VENV)/.installed
	$(BIN)/community-map bench --sizes 1000 10000

## Install the project and its tools into .venv (what every workflow runs first).
setup: $(VENV)/.installed

## The moderation report of a branch, as the check workflow makes it:
## make review BASE=origin/main HEAD=pr-branch [AUTHOR=login] [FORMAT=json]
BASE ?= origin/main
HEAD ?= HEAD
FORMAT ?= markdown
review: $(VENV)/.installed
	$(BIN)/community-map review --base "$(BASE)" --head "$(HEAD)" --format "$(FORMAT)" $(if $(AUTHOR),--author "$(AUTHOR)")

lint: $(VENV)/.installed
	$(BIN)/ruff check build_tools tests
	$(BIN)/ruff format --check build_tools tests

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; fi; }
	@# strace: the test that proves a whole build (its children too) opens no connection
	@command -v strace >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq strace >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq strace >/dev/null; fi; }

clean:
	rm -rf site .pytest_cache .ruff_cache
