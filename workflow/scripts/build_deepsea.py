"""Write the DeepSEA bundle's kept sequences (methods §1.8) as an HDF5 data set."""

from motifrep.datasets.deepsea import build_deepsea_set
from motifrep.runner import run_script


def main(sm):
    build_deepsea_set(
        out=sm.output[0],
        train_mat=sm.input.train,
        valid_mat=sm.input.valid,
        test_mat=sm.input.test,
        columns=sm.params.columns,
        task_names=sm.params.tasks,
        keep_reverse_complements=getattr(sm.params, "keep_reverse_complements", True),
        block_rows=getattr(sm.params, "block_rows", 10000),
    )


run_script(snakemake, main)
