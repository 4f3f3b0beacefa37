"""The theory jobs of real-data fits in the workflow's DAG (real `snakemake -n`, no theory run):
one job per cache entry, shared between fits, and none once the entries exist."""

from __future__ import annotations

from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
DIS = REPO_ROOT / "config" / "runcards" / "dis-real.yml"
THEORY_RULES = ("theory_grid", "theory_operator", "fktable")


def _tiny_dis(tmp_path: Path, name: str) -> Path:
    card = yaml.safe_load(DIS.read_text(encoding="utf-8"))
    card["dataset_inputs"] = [
        {"dataset": "SLAC_NC_NOTFIXED_P_EM-F2", "variant": "legacy"},  # 33 scales after cuts
        {"dataset": "HERA_CC_318GEV_EP-SIGMARED", "variant": "legacy"},  # 10 scales
    ]
    card["replicas"], card["replicas_per_job"] = 2, 2
    path = tmp_path / f"{name}.yml"
    path.write_text(yaml.safe_dump(card, sort_keys=False), encoding="utf-8")
    return path


def _plan(snakemake, tmp_path: Path, *cards: Path):
    run = snakemake(
        tmp_path,
        "-n",
        "--cores",
        "2",
        "--config",
        f"runcards=[{','.join(map(str, cards))}]",
        "theory_cache=cache",
        "theory_scales_per_operator=20",
    )
    assert run.returncode == 0, run.output
    return run


def test_dis_fits_plan_their_theory_once(snakemake, tmp_path):
    """Two fits of the same data and theory: two setups, one job per theory entry."""
    run = _plan(snakemake, tmp_path, _tiny_dis(tmp_path, "first"), _tiny_dis(tmp_path, "second"))
    counts = run.job_counts()
    assert counts["setup_fit"] == 2
    # SLAC's 33 scales in groups of at most 20 -> 2 operators, HERA CC's 10 -> 1
    assert {rule: counts.get(rule) for rule in THEORY_RULES} == {
        "theory_grid": 2,
        "theory_operator": 3,
        "fktable": 2,
    }
    assert "replifold setup" in run.output and "--theory-cache cache" in run.output
    records = sorted((tmp_path / "cache").glob("*/*/key.json"))
    assert len(records) == 7  # planning wrote every entry's recipe
    for record in records:
        kind, digest = record.parent.parent.name, record.parent.name
        assert (
            f"replifold {dict(grid='theory-grid', operator='theory-operator', fktable='fktable')[kind]} {digest}"
            in run.output
        )


def test_built_theory_is_not_rebuilt(snakemake, tmp_path):
    card = _tiny_dis(tmp_path, "dis-tiny")
    _plan(snakemake, tmp_path, card)
    outputs = {
        "grid": "grid.pineappl.lz4",
        "operator": "operator.tar",
        "fktable": "fktable.pineappl.lz4",
    }
    for kind in (
        "grid",
        "operator",
        "fktable",
    ):  # in DAG order, so that no output is older than its input
        for entry in sorted((tmp_path / "cache" / kind).iterdir()):
            (entry / outputs[kind]).write_bytes(b"stand-in")
    counts = _plan(snakemake, tmp_path, card).job_counts()
    assert not set(THEORY_RULES) & set(counts)
    assert counts["setup_fit"] == 1
    other = _tiny_dis(tmp_path, "other-fit")  # another fit of the same data and theory
    counts = _plan(snakemake, tmp_path, other).job_counts()
    assert not set(THEORY_RULES) & set(counts)


def test_t0_fit_of_the_same_run_comes_first(snakemake, tmp_path):
    first = _tiny_dis(tmp_path, "first")
    second = _tiny_dis(tmp_path, "second")
    card = yaml.safe_load(second.read_text(encoding="utf-8"))
    card["datacuts"]["t0fit"] = "results/first"
    second.write_text(yaml.safe_dump(card, sort_keys=False), encoding="utf-8")
    run = _plan(snakemake, tmp_path, first, second)
    setup = next(
        block
        for block in run.output.split("rule setup_fit:")[1:]
        if "results/second/runcard.yml" in block
    )
    inputs = setup.split("output:")[0]
    assert "results/first/postfit/selected.json" in inputs
    assert "results/first/fit/replica_2/grid.npz" in inputs
