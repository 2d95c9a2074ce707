"""TF-MoDISco figures: recovered TFs and seqlet precision by activation and method; pattern logos (methods §6.5)."""

from motifrep.results.plots import make_modisco_logos, make_modisco_plot
from motifrep.runner import run_script


def main(sm):
    make_modisco_plot(sm.input.summary, [sm.output.png, sm.output.pdf])
    make_modisco_logos(sm.params.runs, sm.input.jaspar, sm.input.tf_table,
                       [sm.output.logos_png, sm.output.logos_pdf])


run_script(snakemake, main)
