"""Hostile and broken runcards and fit folders: exit status 2 with the key named, nothing lost.

Each test here failed on the main of 2026-12-02 (a traceback, a hang, an exhausted machine,
a command run from a file name, or a fit folder left inconsistent).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from replifold.cli import main
from replifold.io import folder_lock, sha256_file
from replifold.problem import load_problem
from replifold.runcard import runcard_sha256


def _setup(card: Path, outdir: Path, capsys) -> tuple[int, str]:
    status = main(["setup", str(card), "-o", str(outdir)])
    return status, capsys.readouterr().err


@pytest.mark.parametrize(
    "path, value",
    [
        (("parameters", "optimizer", "learning_rate"), ".nan"),
        (("parameters", "stopping_patience"), ".inf"),
        (("parameters", "threshold_chi2"), ".nan"),
        (("kfold", "threshold"), "-.inf"),
    ],
)
def test_non_finite_numbers_are_refused_with_their_key(
    quick_runcard, write_runcard, tmp_path, capsys, path, value
):
    node = quick_runcard
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = "__VALUE__"
    text = yaml.safe_dump(quick_runcard, sort_keys=False).replace("__VALUE__", value)
    status, err = _setup(write_runcard(text), tmp_path / "fit", capsys)
    assert status == 2 and "Traceback" not in err
    assert f"'{'.'.join(path)}': not a finite number" in err
    assert not (tmp_path / "fit" / "runcard.yml").exists()


@pytest.mark.parametrize(
    "path, value",
    [
        (("replicas",), 10**9),
        (("replicas_per_job",), 10**9),
        (("closure", "integration_points"), 10**10),
        (("parameters", "epochs"), 10**12),
        (("closure", "xgrid", "n_small"), 10**7),
        (("parameters", "nodes_per_layer", 0), 10**6),
        (("hyperopt", "rounds"), 10**6),
        (("hyperopt", "replicas"), 10**5),
    ],
)
def test_sizes_have_maxima(quick_runcard, write_runcard, tmp_path, capsys, path, value):
    node = quick_runcard
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    started = time.monotonic()
    status, err = _setup(write_runcard(quick_runcard), tmp_path / "fit", capsys)
    assert status == 2 and "value out of range" in err and "<=" in err
    assert time.monotonic() - started < 10


def test_an_alias_bomb_is_refused_quickly_with_a_short_message(tmp_path, capsys):
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 12):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 10) + "]")
    card = tmp_path / "bomb.yml"
    card.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert card.stat().st_size < 3000
    started = time.monotonic()
    status, err = _setup(card, tmp_path / "fit", capsys)
    assert status == 2 and "aliases expand to more than" in err
    assert time.monotonic() - started < 5 and len(err) < 500


@pytest.mark.parametrize("kind", ["fifo", "device", "oversized", "directory", "binary"])
def test_what_is_not_a_runcard_file_is_refused(tmp_path, capsys, kind):
    card = tmp_path / "card.yml"
    if kind == "fifo":
        os.mkfifo(card)
    elif kind == "device":
        card = Path("/dev/zero")
    elif kind == "oversized":
        card.write_text("description: '" + "x" * (2 << 20) + "'\n", encoding="utf-8")
    elif kind == "directory":
        card.mkdir()
    else:
        card.write_bytes(b"\xff\xfe" * 100)
    status, err = _setup(card, tmp_path / "fit", capsys)
    assert status == 2 and "Traceback" not in err and len(err) < 500


def test_long_values_are_cut_in_messages(quick_runcard, write_runcard, tmp_path, capsys):
    quick_runcard["x" * 100_000] = 1
    quick_runcard["parameters"]["optimizer"]["optimizer_name"] = "y" * 100_000
    status, err = _setup(write_runcard(quick_runcard), tmp_path / "fit", capsys)
    assert status == 2 and len(err) < 2000


@pytest.mark.parametrize(
    "name", ["..", ".hidden", "q$(touch PWNED)", "my fit", "semi;colon", "-dash", "a" * 101]
)
def test_fit_names_must_be_safe(quick_runcard, tmp_path, capsys, name, monkeypatch):
    monkeypatch.chdir(tmp_path)
    card = tmp_path / f"{name}.yml"
    card.write_text(yaml.safe_dump(quick_runcard), encoding="utf-8")
    status, err = _setup(card, tmp_path / "fit", capsys)
    assert status == 2 and "not a valid fit name" in err
    assert not (tmp_path / "PWNED").exists() and not (tmp_path / "fit").exists()


def test_fit_names_with_dots_dashes_and_underscores_are_fine(quick_runcard, tmp_path, capsys):
    quick_runcard["replicas"] = quick_runcard["replicas_per_job"] = 2
    card = tmp_path / "NNPDF4.0_closure-v2.yml"
    card.write_text(yaml.safe_dump(quick_runcard), encoding="utf-8")
    status, err = _setup(card, tmp_path / "NNPDF4.0_closure-v2", capsys)
    assert status == 0, err
    assert "fit NNPDF4.0_closure-v2:" in err


def test_a_concurrent_setup_is_refused(quick_runcard, write_runcard, tmp_path, capsys):
    outdir = tmp_path / "fit"
    with folder_lock(outdir, "a test holding the folder"):
        status, err = _setup(write_runcard(quick_runcard), outdir, capsys)
    assert status == 2 and "in use by a test holding the folder" in err
    assert not (outdir / "runcard.yml").exists()


def test_another_runcard_into_a_set_up_folder_is_refused_and_changes_nothing(
    quick_runcard, write_runcard, tmp_path, capsys
):
    outdir = tmp_path / "fit"
    quick_runcard["replicas"] = quick_runcard["replicas_per_job"] = 2
    assert _setup(write_runcard(quick_runcard, "a"), outdir, capsys)[0] == 0
    before = {p: sha256_file(p) for p in outdir.rglob("*") if p.is_file()}
    quick_runcard["mcseed"] = 12
    status, err = _setup(write_runcard(quick_runcard, "b"), outdir, capsys)
    assert status == 2 and "different runcard" in err
    assert {p: sha256_file(p) for p in outdir.rglob("*") if p.is_file()} == before


def _consistent(outdir: Path) -> None:
    """What an interrupted setup may leave: a complete old state, a complete new one, or no claim."""
    if (outdir / "runcard.sha256").exists():
        digest = (outdir / "runcard.sha256").read_text(encoding="utf-8").split()[0]
        assert digest == runcard_sha256((outdir / "runcard.yml").read_text(encoding="utf-8"))
    if (outdir / "data").exists():
        load_problem(outdir / "data")  # complete, or it would raise


@pytest.mark.parametrize("delay", [0.3, 1.0, 1.8, 2.6])
def test_a_setup_killed_at_any_moment_leaves_a_consistent_folder(
    quick_runcard, write_runcard, tmp_path, capsys, delay
):
    """SIGKILL at ``delay`` seconds (import, expansion, data generation or the final writes)."""
    quick_runcard["replicas"] = quick_runcard["replicas_per_job"] = 100
    card = write_runcard(quick_runcard)
    outdir = tmp_path / "fit"
    command = [sys.executable, "-m", "replifold.cli", "setup", str(card), "-o", str(outdir)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.wait()
    if outdir.exists():
        _consistent(outdir)
    status, err = _setup(card, outdir, capsys)
    assert status == 0, err
    _consistent(outdir)
    assert not [p.name for p in outdir.iterdir() if p.name.startswith(".") and p.name != ".lock"]
    assert load_problem(outdir / "data", [1, 100]).replica_data.shape[0] == 2


def test_fit_on_half_written_data_is_a_clear_error(quick_runcard, write_runcard, tmp_path, capsys):
    quick_runcard["replicas"] = quick_runcard["replicas_per_job"] = 2
    outdir = tmp_path / "fit"
    assert _setup(write_runcard(quick_runcard), outdir, capsys)[0] == 0
    (outdir / "data" / "covmat.npz").unlink()
    status = main(
        [
            "fit",
            str(outdir / "runcard.yml"),
            str(outdir / "data"),
            "--replicas",
            "1-2",
            "-o",
            str(tmp_path / "b"),
        ]
    )
    err = capsys.readouterr().err
    assert status == 2 and "incomplete or damaged" in err and "Traceback" not in err
