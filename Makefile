# The two commands of README.md:
#   make run    set up (pinned venv in .venv) and run the workflow on config/config.yaml
#   make test   set up and run the test suite
# and what CI runs after them (.ci/run):
#   make test-system   as root: real SLURM + MEME tomtom tests (tests/system, marker `system`)
VENV ?= .venv
CORES ?= 2
SNAKEMAKE = $(VENV)/bin/snakemake

# TensorFlow build: cpu (tensorflow-cpu from requirements.txt) or cuda
# (tensorflow[and-cuda], same version, instead). `make setup TF=cuda` once; later targets keep
# the build the venv has (`make setup TF=cpu` goes back).
TF_CUDA = tensorflow[and-cuda]==2.21.0
TF ?= $(if $(wildcard $(VENV)/.installed-cuda),cuda,cpu)
ifeq ($(filter $(TF),cpu cuda),)
$(error TF must be cpu or cuda, not '$(TF)')
endif
STAMP = $(VENV)/.installed$(if $(filter cuda,$(TF)),-cuda,)

# The Keras backends jax and torch (config training.backend) as CPU builds, pinned in
# requirements.txt. PyPI has no `+cpu` torch: it is installed first, from the local wheels /
# index pip is configured with, else (no dependencies: those are pinned in requirements.txt)
# from PyTorch's CPU index. The CPU build of torch is also what a TF=cuda venv gets.
TORCH_PIN = $(shell grep '^torch==' requirements.txt)
TORCH_CPU_INDEX ?= https://download.pytorch.org/whl/cpu
INSTALL_TORCH = $(VENV)/bin/pip install --quiet --no-deps '$(TORCH_PIN)' 2> /dev/null \
	|| $(VENV)/bin/pip install --quiet --no-deps --index-url $(TORCH_CPU_INDEX) '$(TORCH_PIN)'

# memelite's Tomtom is compiled by numba on first use (~90 s); `make setup` compiles it once into
# the workflow's cache (config tomtom.numba_cache, .numba_cache) and copies it into the one
# `motifrep filters` uses ($NUMBA_CACHE_DIR, else ~/.cache/motifrep/numba). A few seconds when warm.
NUMBA_CACHES ?= .numba_cache $(or $(NUMBA_CACHE_DIR),$(HOME)/.cache/motifrep/numba)

.PHONY: setup setup-bedtools setup-numba run report test test-system lint clean
setup: $(STAMP) setup-bedtools setup-numba

$(VENV)/.installed: requirements.txt pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	if [ -e $(VENV)/.installed-cuda ]; then $(VENV)/bin/pip uninstall --quiet -y tensorflow; fi
	$(INSTALL_TORCH)
	$(VENV)/bin/pip install --quiet -r requirements.txt
	$(VENV)/bin/pip install --quiet --no-deps --no-build-isolation -e .
	rm -f $(VENV)/.installed-cuda
	touch $@

$(VENV)/.installed-cuda: requirements.txt pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	if [ -e $(VENV)/.installed ]; then $(VENV)/bin/pip uninstall --quiet -y tensorflow-cpu; fi
	grep -v '^tensorflow_cpu==' requirements.txt > $(VENV)/requirements-cuda.txt
	$(INSTALL_TORCH)
	$(VENV)/bin/pip install --quiet -r $(VENV)/requirements-cuda.txt '$(TF_CUDA)'
	$(VENV)/bin/pip install --quiet --no-deps --no-build-isolation -e .
	rm -f $(VENV)/.installed
	touch $@

# bedtools (binary) for pybedtools, the in vivo route: Debian's package when we may install it
setup-bedtools:
	@command -v bedtools > /dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get > /dev/null 2>&1; then \
	    echo "setup: installing bedtools (apt-get install bedtools)"; \
	    { timeout 600 apt-get update -q && DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -q bedtools; } > /dev/null \
	      || echo "setup: apt-get install bedtools failed; the in vivo route needs it (or: conda install -c bioconda bedtools)"; \
	  else \
	    echo "setup: bedtools not found; the in vivo route needs it: apt-get install bedtools (as root), or conda install -c bioconda bedtools"; \
	  fi; }

setup-numba: $(STAMP)
	$(VENV)/bin/python -m motifrep.motifs.tomtom_cache $(NUMBA_CACHES) \
	  || echo "setup: numba warm-up failed (see above); the first Tomtom run will compile instead (~90 s)"

run: setup
	$(SNAKEMAKE) --cores $(CORES)
	$(SNAKEMAKE) --cores 1 --report results/report.html

report: setup
	$(SNAKEMAKE) --cores 1 --report results/report.html

test: setup
	$(VENV)/bin/pytest -q -m "not system"

# Needs root and PyPI; see .ci/system.sh (installs SLURM, munge, MariaDB and a C toolchain
# with apt, builds MEME tomtom 5.4.1, starts a one-node SLURM, runs pytest -m system, stops
# every daemon it started).
test-system: setup
	bash .ci/system.sh

lint: setup
	$(VENV)/bin/snakefmt --check Snakefile workflow
	$(SNAKEMAKE) --lint --cores 1

clean:
	rm -rf results logs .snakemake
