"""Bar plot: fraction of first-layer filters matching JASPAR vs pool size."""

from motifrep.steps import make_match_plot, run_script

run_script(snakemake, lambda sm: make_match_plot(sm.input[0], sm.params.pools, [sm.output.png, sm.output.pdf]))
