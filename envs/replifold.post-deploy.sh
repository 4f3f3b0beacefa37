#!/usr/bin/env bash
# Run by Snakemake inside the environment of replifold.yaml right after creating it: installs this
# checkout's replifold there, editable, so the environment runs the workflow's own code. The
# checkout's path comes from REPLIFOLD_SOURCE, which rules/common.smk sets to the Snakefile's folder.
set -euo pipefail
checkout="${REPLIFOLD_SOURCE:?REPLIFOLD_SOURCE is unset: create this environment through the Snakefile of the workflow}"
python -m pip install --no-deps --no-build-isolation --editable "$checkout"
