"""Build an in vivo data set (methods §1.7) from a genome FASTA and ENCODE narrowPeak files."""

from motifrep.datasets.encode import build_encode_set
from motifrep.runner import run_script


def main(sm):
    spec, experiments = sm.params.spec, list(sm.params.experiments)
    build_encode_set(
        out=sm.output[0],
        genome=sm.input.genome,
        peak_files=dict(zip(experiments, sm.input.peaks, strict=True)),
        experiments_order=experiments,
        bin_size=spec["bin_size"],
        length=spec["length"],
        min_fraction=spec["min_fraction"],
        valid_chroms=spec["valid_chroms"],
        test_chroms=spec["test_chroms"],
        chroms=spec["chroms"],
        reverse_complement=spec["reverse_complement"],
        task_names=sm.params.tasks,
    )


run_script(snakemake, main)
