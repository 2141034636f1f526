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
# Node.js runs tests/js (node --test) and the search-engine tests; only when node or npm
# is missing, so a Node installed another way (nodesource, nvm) is left alone
NODE_PKGS  := nodejs npm

.PHONY: help site build test test-fast serve sample corpus-committed docs bench bench-sr bench-ocr bench-search bench-build bench-bundle bench-curation bench-pdf bench-korean lint clean distclean setup setup-dev setup-node

help:
	@echo "make site     set up, then build site/ from corpus/ (then: make serve)"
	@echo "make test     set up, then run all tests (unit + end-to-end)"
	@echo "make serve    preview site/ on http://127.0.0.1:8000/ (ARGS=\"--port N\" for another port)"
	@echo "make test-fast  the tests without the end-to-end ones (no browser, S3 or Dask)"
	@echo "make lint     ruff over deckgen, tests, benchmarks and tools"
	@echo "make docs     regenerate docs/cli.md from the commands' --help"
	@echo "make bench    run every benchmark (tables in docs/benchmarks.md); one at a time:"
	@echo "              bench-ocr bench-sr bench-search bench-build bench-bundle"
	@echo "              bench-curation bench-pdf bench-korean"
	@echo "make sample   delete corpus/ and write the bundled sample decks there; refused while"
	@echo "              corpus/ holds anything git has not committed (your decks, hand labels)"
	@echo "              unless FORCE=1 (make sample FORCE=1)"
	@echo "make clean    delete build/ and site/, with your own files in site/ (impressum.html,"
	@echo "              CNAME, .well-known/): keep those elsewhere too (distclean: the venv and"
	@echo "              node_modules as well)"

# the site needs only deckgen's own dependencies; tests and benchmarks add the dev ones
# (Playwright, moto, Dask, ruff, ...). Debian and Ubuntu ship the ensurepip that
# `python3 -m venv` needs in a package of its own (python3.X-venv).
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import ensurepip' 2>/dev/null || sh tools/ensure-apt.sh \
	  "$$($(PYTHON) -c 'import sys; print(f"python3.{sys.version_info.minor}-venv")')"
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

setup-node:
	@command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 \
	  || sh tools/ensure-apt.sh $(NODE_PKGS)

site: setup
	$(BIN)/deckgen build $(ARGS)
	@echo "site/ is ready: make serve previews it on http://127.0.0.1:8000/"

build: site

serve: setup
	$(BIN)/deckgen serve $(ARGS)

# sample deletes corpus/ whole: not while it holds what only the user has (decks from
# `deckgen add`, labels from `deckgen label`), that is anything git has not committed
sample: corpus-committed setup
	@sh tools/ensure-apt.sh $(FONT_PKGS)
	rm -rf corpus && $(BIN)/deckgen sample --out corpus

corpus-committed:
	@[ "$(FORCE)" = 1 ] || [ ! -e corpus ] || { \
	  changed="$$(git status --porcelain --ignored -- corpus 2>/dev/null)" \
	    || changed="  (not a git checkout: nothing tells the sample's files from yours)"; \
	  [ -z "$$changed" ] || { \
	    echo "make sample deletes corpus/, and it holds files git has not committed:" >&2; \
	    echo "$$changed" | head -10 >&2; \
	    echo "move your decks out of corpus/ (or commit them), or run make sample FORCE=1 to delete them" >&2; \
	    exit 1; }; }

tests/js/node_modules: tests/js/package.json | setup-node
	cd tests/js && npm ci --no-audit --no-fund --silent
	touch $@

test: setup-dev setup-node tests/js/node_modules
	@sh tools/ensure-apt.sh $(TEST_PKGS)
	@sh tools/ensure-apt.sh --no-install-recommends $(OFFICE_PKGS)
	$(BIN)/pytest -q $(ARGS)
	cd tests/js && node --test  # finds its *.test.mjs, on any Node version since 18

# what `make test` installs, less Chromium: the tests that launch it are end-to-end ones.
# Node stays: test_index checks search.js against Python with it
test-fast: setup-dev setup-node
	@sh tools/ensure-apt.sh $(filter-out chromium,$(TEST_PKGS))
	@sh tools/ensure-apt.sh --no-install-recommends $(OFFICE_PKGS)
	$(BIN)/pytest -q -m "not e2e" $(ARGS)

docs: setup
	$(BIN)/python tools/cli_docs.py

lint: setup-dev
	$(BIN)/ruff check deckgen tests benchmarks tools

bench: bench-ocr bench-sr bench-search bench-build bench-bundle bench-curation bench-pdf bench-korean

bench-sr: setup-dev
	$(BIN)/python benchmarks/bench_sr.py
	$(BIN)/python benchmarks/bench_figures.py

bench-ocr: setup-dev
	$(BIN)/python benchmarks/bench_ocr.py

bench-search: setup-dev setup-node tests/js/node_modules
	@sh tools/ensure-apt.sh chromium
	$(BIN)/pip install -q -e '.[bench]'
	$(BIN)/python benchmarks/bench_search.py

bench-build: setup-dev
	$(BIN)/python benchmarks/bench_build.py
	$(BIN)/python benchmarks/bench_rebuild.py

bench-bundle: setup-dev
	$(BIN)/python benchmarks/bench_bundle.py

bench-curation: setup-dev
	$(BIN)/python benchmarks/bench_curation.py

bench-pdf: setup-dev
	$(BIN)/python benchmarks/bench_pdf_render.py
	$(BIN)/python benchmarks/bench_pdf_text.py

bench-korean: setup-dev
	@sh tools/ensure-apt.sh tesseract-ocr-kor fonts-noto-cjk
	$(BIN)/python benchmarks/bench_korean.py

clean:
	rm -rf build site

distclean: clean
	rm -rf $(VENV) tests/js/node_modules
