# deckgen — `make site` builds the gallery, `make test` runs the tests.
# Both set up everything they need: .venv, the Python packages, and (as root)
# the Debian packages; otherwise they print the exact apt command to run.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEV    := $(VENV)/.installed-dev
ARGS   ?=

OCR_PKGS   := tesseract-ocr tesseract-ocr-eng
FONT_PKGS  := fonts-dejavu-core fonts-liberation2 fonts-lato fonts-open-sans fonts-roboto fonts-noto-core
TEST_PKGS  := $(OCR_PKGS) $(FONT_PKGS) chromium poppler-utils
# LibreOffice: `deckgen add deck.pptx` converts presentations to PDF with it
OFFICE_PKGS := libreoffice-impress-nogui

.PHONY: help site build test test-fast serve sample docs bench bench-sr bench-ocr bench-search bench-build bench-bundle bench-curation bench-pdf lint clean distclean setup setup-dev

help:
	@echo "make site     set up, then build site/ from corpus/ (then: make serve)"
	@echo "make test     set up, then run all tests (unit + end-to-end)"
	@echo "make serve    preview site/ on http://127.0.0.1:8000/"
	@echo "make bench    run the benchmarks, results in docs/benchmarks.md"
	@echo "make sample   regenerate the bundled sample corpus"

# the site needs only deckgen's own dependencies; tests and benchmarks add the dev ones
# (Playwright, moto, Dask, ruff, ...)
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e .
	touch $@

$(DEV): $(STAMP)
	$(BIN)/pip install -q -e '.[dev,dask]'
	touch $@

setup: $(STAMP)
	@sh tools/ensure-apt.sh $(OCR_PKGS)

setup-dev: setup $(DEV)

site: setup
	$(BIN)/deckgen build $(ARGS)
	@echo "site/ is ready: make serve previews it on http://127.0.0.1:8000/"

build: site

serve: setup
	$(BIN)/deckgen serve

sample: setup
	@sh tools/ensure-apt.sh $(FONT_PKGS)
	rm -rf corpus && $(BIN)/deckgen sample --out corpus

tests/js/node_modules: tests/js/package.json
	cd tests/js && npm ci --no-audit --no-fund --silent
	touch $@

test: setup-dev tests/js/node_modules
	@sh tools/ensure-apt.sh $(TEST_PKGS)
	@sh tools/ensure-apt.sh --no-install-recommends $(OFFICE_PKGS)
	$(BIN)/pytest -q $(ARGS)
	node --test tests/js/

test-fast: setup-dev
	$(BIN)/pytest -q -m "not e2e" $(ARGS)

docs: setup
	$(BIN)/python tools/cli_docs.py

lint: setup-dev
	$(BIN)/ruff check deckgen tests benchmarks

bench: bench-ocr bench-sr bench-search bench-build bench-bundle bench-curation bench-pdf

bench-sr: setup-dev
	$(BIN)/python benchmarks/bench_sr.py

bench-ocr: setup-dev
	$(BIN)/python benchmarks/bench_ocr.py

bench-search: setup-dev tests/js/node_modules
	$(BIN)/pip install -q -e '.[bench]'
	$(BIN)/python benchmarks/bench_search.py

bench-build: setup-dev
	$(BIN)/python benchmarks/bench_build.py

bench-bundle: setup-dev
	$(BIN)/python benchmarks/bench_bundle.py

bench-curation: setup-dev
	$(BIN)/python benchmarks/bench_curation.py

bench-pdf: setup-dev
	$(BIN)/python benchmarks/bench_pdf_render.py

clean:
	rm -rf build site

distclean: clean
	rm -rf $(VENV) tests/js/node_modules
