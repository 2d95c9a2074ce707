"""Attribution maps of one run for one method (methods §6.2)."""

from motifrep.runner import run_script


def main(sm):
    # imported here: the module imports TensorFlow, which must come after run_script's device binding
    from motifrep.interpret.attribution import write_attribution

    write_attribution(
        model_path=sm.input.model,
        data_path=sm.input.data,
        out=sm.output[0],
        method=sm.wildcards.method,
        settings=sm.params.settings,
        n_sequences=sm.params.n_sequences,
        threads=sm.threads,
    )


run_script(snakemake, main)
