"""The uninterrupted tiny campaign, run once per session for every slow workflow test that compares with it."""

from __future__ import annotations

import time

import pytest
from workflow_campaigns import FIT, CleanRun, archive_of, campaign

from replifold.io import sha256_file


@pytest.fixture(scope="session")
def clean_run(tmp_path_factory, snakemake, write_yaml, tiny_runcard) -> CleanRun:
    workdir = tmp_path_factory.mktemp("clean")
    card = write_yaml(workdir / f"{FIT}.yml", tiny_runcard)
    started = time.monotonic()
    run = campaign(snakemake, workdir, card)
    assert run.returncode == 0, run.output[-5000:]
    return CleanRun(workdir, card, time.monotonic() - started, sha256_file(archive_of(workdir)))
