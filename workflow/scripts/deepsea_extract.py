"""Stream train.mat, valid.mat and test.mat out of the DeepSEA bundle tarball."""

from motifrep.datasets.deepsea import extract_bundle
from motifrep.runner import run_script

run_script(snakemake, lambda sm: extract_bundle(sm.input[0], sm.output.train, sm.output.valid, sm.output.test))
