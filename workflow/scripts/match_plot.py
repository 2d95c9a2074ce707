"""Bar plot: fraction of first-layer filters matching JASPAR vs pool size."""

from motifrep.results.plots import make_match_plot
from motifrep.runner import run_script

run_script(snakemake, lambda sm: make_match_plot(sm.input[0], sm.params.pools, [sm.output.png, sm.output.pdf]))
