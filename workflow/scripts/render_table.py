"""Render a result TSV as an HTML table for the report."""

from motifrep.results.html import render_table
from motifrep.runner import run_script

run_script(snakemake, lambda sm: render_table(sm.input[0], sm.output[0], sm.params.title))
