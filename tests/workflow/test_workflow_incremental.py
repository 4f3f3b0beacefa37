"""Incremental campaigns: a runcard edit reruns exactly the stages it touches (replifold.views).

Each edit is applied to a copy of the finished tiny campaign (times and Snakemake's records
kept) and planned with a real `snakemake -n`; the set of jobs must be exactly the expected
one, and `replifold plan` must say so in words. One edit, a longer scan, is also run for real
and compared with a clean campaign of the longer scan.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from workflow_campaigns import FIT, CleanRun, archive_of, campaign, campaign_args

from replifold.cli import main
from replifold.io import read_json, sha256_file

pytestmark = pytest.mark.slow

AFTER_FIT = {"postfit": 1, "evolve": 1, "report": 1, "archive": 1, "all": 1}
SPLITS = {f"split_replicas_{FIT}_batch{b}": 1 for b in (0, 1)}
EDITS = {
    # edit -> (change to the tiny runcard, the jobs `snakemake -n` must plan, words `replifold plan` says)
    "nothing": (lambda card: None, {}, "nothing reruns"),
    "description": (
        lambda card: card.update(description="edited"),
        {"report": 1, "archive": 1, "all": 1},
        "only the report's inputs change (description)",
    ),
    "evolution": (
        lambda card: card["evolution"].update(q_points=9),
        {"evolve": 1, "report": 1, "archive": 1, "all": 1},
        "the LHAPDF export's settings change (evolution.q_points)",
    ),
    "postfit": (
        lambda card: card.update(postfit={"arclength_nsigma": 5.0}),
        AFTER_FIT,
        "postfit's settings change (postfit.arclength_nsigma)",
    ),
    "replicas": (
        lambda card: card.update(replicas=6),
        {"fit_batch": 1, f"split_replicas_{FIT}_batch2": 1, **AFTER_FIT},
        "for replicas 5-6 only",
    ),
    "rounds": (
        lambda card: card["hyperopt"].update(rounds=3),
        {
            "suggest": 1,
            "train_fold": 2,
            "reduce_trial": 1,
            "collect": 1,
            "fit_batch": 2,
            **SPLITS,
            **AFTER_FIT,
        },
        "round 2 is added",
    ),
    "data": (
        lambda card: card["closure"].update(filterseed=8),
        {
            "setup_fit": 1,
            "suggest": 2,
            "train_fold": 4,
            "reduce_trial": 2,
            "collect": 1,
            "fit_batch": 2,
            **SPLITS,
            **AFTER_FIT,
        },
        "the data change (closure.filterseed)",
    ),
}


def _copy(clean_run: CleanRun, destination: Path) -> Path:
    shutil.copytree(
        clean_run.workdir, destination, symlinks=True
    )  # copy2: modification times are kept
    return destination / clean_run.card.name


def _edit(card: Path, change) -> None:
    document = yaml.safe_load(card.read_text(encoding="utf-8"))
    change(document)
    card.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")


@pytest.mark.parametrize("edit", list(EDITS))
def test_an_edit_plans_exactly_the_stages_it_touches(clean_run, snakemake, tmp_path, capsys, edit):
    change, expected, words = EDITS[edit]
    card = _copy(clean_run, tmp_path / "campaign")
    _edit(card, change)
    assert main(["plan", str(card), "--results", str(tmp_path / "campaign" / "results")]) == 0
    assert words in capsys.readouterr().out
    run = snakemake(tmp_path / "campaign", "-n", *campaign_args(card))
    assert run.returncode == 0, run.output[-3000:]
    if not expected:
        assert "Nothing to be done" in run.output
    else:
        counts = run.job_counts()
        counts.pop("total")
        assert counts == expected


def test_a_longer_scan_keeps_the_old_trials_and_equals_a_clean_longer_campaign(
    clean_run, snakemake, tmp_path
):
    card = _copy(clean_run, tmp_path / "extended")
    _edit(card, EDITS["rounds"][0])
    extended = campaign(snakemake, tmp_path / "extended", card)
    assert extended.returncode == 0, extended.output[-5000:]
    before = read_json(clean_run.workdir / "results" / FIT / "hyperopt" / "tries.json")
    after = read_json(tmp_path / "extended" / "results" / FIT / "hyperopt" / "tries.json")
    assert after[: len(before)] == before and len(after) == len(before) + 1

    fresh = tmp_path / "fresh"
    fresh.mkdir()
    shutil.copy(card, fresh / card.name)
    clean = campaign(snakemake, fresh, fresh / card.name)
    assert clean.returncode == 0, clean.output[-5000:]
    assert sha256_file(archive_of(tmp_path / "extended")) == sha256_file(archive_of(fresh))
