# wuwei_analysis — run `make help` for the targets.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
JOBS ?=
PYTEST_ARGS ?=
# Extras installed into .venv: the test tools and JupyterLab; plus the mplfonts CJK font (~100 MB)
# only where the system has no CJK font (Debian: apt-get install fonts-noto-cjk, see README).
EXTRAS ?= dev,lab$(shell fc-list 2>/dev/null | grep -qiE 'Noto Sans CJK|Source Han Sans|WenQuanYi' || echo ,fonts)
KERNEL ?= wuwei

.DEFAULT_GOAL := help
.PHONY: help install create_environment data check report test test-fast lint format bench lab kernel clean

help: ## List the targets with what they do
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  %-20s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[$(EXTRAS)]'
	touch $(STAMP)

install: $(STAMP) ## Create .venv and install the package with its test tools

create_environment: ## Create the conda environment from environment.yml instead of .venv
	conda env create -f environment.yml

data: install ## Clean data/raw into data/processed
	$(BIN)/wuwei clean

check: install ## Validate data/raw without writing anything
	$(BIN)/wuwei check

report: install ## Refresh everything: clean, run every notebook, render HTML into reports/
	$(BIN)/wuwei build $(if $(JOBS),--jobs $(JOBS))

test: install ## Run the whole test suite
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: install ## Run the tests that do not execute notebooks or a browser
	$(BIN)/python -m pytest -m "not slow and not browser" $(PYTEST_ARGS)

lint: install ## Check style with ruff
	$(BIN)/ruff check wuwei_analysis tests benchmarks
	$(BIN)/ruff format --check wuwei_analysis tests benchmarks

format: install ## Format the code with ruff
	$(BIN)/ruff check --fix wuwei_analysis tests benchmarks
	$(BIN)/ruff format wuwei_analysis tests benchmarks

bench: install ## Run the benchmarks (they print ratios against a baseline measured in the same run)
	$(BIN)/python benchmarks/bench_parse.py
	$(BIN)/python benchmarks/bench_build.py

lab: install ## Open the notebooks in JupyterLab
	$(BIN)/jupyter lab notebooks/

kernel: install ## Register .venv as the Jupyter kernel "wuwei" (for a shared JupyterLab; papermill -k wuwei)
	$(BIN)/python -m ipykernel install --user --name $(KERNEL) --display-name "Python (wuwei)"

clean: ## Remove generated reports and caches (never data/raw)
	rm -rf reports .scratch .pytest_cache .ruff_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
