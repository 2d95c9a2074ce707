# The two commands of README.md:
#   make run    set up (pinned venv in .venv) and run the workflow on config/config.yaml
#   make test   set up and run the test suite
VENV ?= .venv
CORES ?= 2
SNAKEMAKE = $(VENV)/bin/snakemake

.PHONY: setup run report test lint clean
setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements.txt setuptools
	$(VENV)/bin/pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

run: setup
	$(SNAKEMAKE) --cores $(CORES)
	$(SNAKEMAKE) --cores 1 --report results/report.html

report: setup
	$(SNAKEMAKE) --cores 1 --report results/report.html

test: setup
	$(VENV)/bin/pytest -q

lint: setup
	$(VENV)/bin/snakefmt --check Snakefile workflow
	$(SNAKEMAKE) --lint --cores 1

clean:
	rm -rf results logs .snakemake
