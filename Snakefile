"""replifold: runcard -> closure data -> k-fold hyperopt -> replica fit -> postfit -> report -> archive.

Every rule runs one `replifold <verb>`, so any step can also be run by hand; the DAG and the
file contracts are described in DESIGN.md.
"""

import os

from snakemake.utils import min_version, validate

min_version("9.0")


# The defaults beside this Snakefile; --configfile / --config override any key.
configfile: os.path.join(workflow.basedir, "config", "config.yaml")


validate(config, "config/schemas/config.schema.yaml")


report: "rules/report/workflow.rst"


include: "rules/common.smk"
include: "rules/setup.smk"
include: "rules/simulate.smk"
include: "rules/hyperopt.smk"
include: "rules/fit.smk"
include: "rules/report.smk"
include: "rules/archive.smk"


rule all:
    input:
        [fit.path("archive", f"{fit.name}.tar.gz") for fit in FITS.values()],
        [fit.path("report", "index.html") for fit in FITS.values()],
    default_target: True
