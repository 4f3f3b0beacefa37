"""replifold: runcard -> closure data -> k-fold hyperopt -> replica fit -> postfit -> report -> archive.

Every rule runs one `replifold <verb>`, so any step can also be run by hand; the DAG and the
file contracts are described in docs/DESIGN.md.
"""

import os

from snakemake.utils import min_version, validate

min_version("9.0")


# The defaults beside this Snakefile; --configfile / --config override any key.
configfile: os.path.join(workflow.basedir, "config", "config.yaml")


validate(config, "config/schemas/config.schema.yaml")


report: "rules/report/workflow.rst"


include: "rules/common.smk"
include: "rules/theory.smk"
include: "rules/setup.smk"
include: "rules/simulate.smk"
include: "rules/hyperopt.smk"
include: "rules/fit.smk"
include: "rules/closure.smk"
include: "rules/evolve.smk"
include: "rules/report.smk"
include: "rules/archive.smk"


rule all:
    default_target: True
    input:
        [str(fit.layout.tarball) for fit in FITS.values()],
        [str(fit.layout.report_html) for fit in FITS.values()],
        [str(fit.layout.lhapdf_set) for fit in FITS.values() if not fit.imnn],
