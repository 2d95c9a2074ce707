# motifrep: reproduce Koo & Eddy 2019 (P1) and Koo & Ploenzke 2021 (P2).
# Rules live in workflow/rules/ by stage; logic in src/motifrep/; see README.md.

from snakemake.utils import min_version

min_version("8.0")


configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/jaspar.smk"
include: "workflow/rules/simulate.smk"
include: "workflow/rules/invivo.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/filters.smk"
include: "workflow/rules/tables.smk"
include: "workflow/rules/attribution.smk"
include: "workflow/rules/discovery.smk"
include: "workflow/rules/figures.smk"


rule all:
    default_target: True
    input:
        final_outputs(),


check_rule_outputs()
