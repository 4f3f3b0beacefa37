"""Retrain one fold or one replica from an archive's own inputs and compare bytes.

The rerun goes through the same ``replifold`` verbs the workflow ran, in a fresh process
(TensorFlow's thread pools and seeds are set once per process), on the archived runcard,
data and trial parameters. A replica is retrained with its whole original batch, since
only the same batch layout promises identical bits. An imnn archive holds no simulations
(they are reproducible and can be large): they are simulated again first, from the archived
runcard's seeds, and every retrained result records the hash of their index.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from replifold.errors import UserError
from replifold.imnn.results import HISTORY_NAME, STATISTICS_NAME
from replifold.imnn.results import REPLICA_FILES as IMNN_REPLICA_FILES
from replifold.imnn.stages import is_imnn_fit
from replifold.io import read_json

_TARGET = re.compile(r"^(?:fold:(\d+):(\d+)|replica:(\d+))$")
FOLD_FILES = ("result.json", "weights.h5", "model.json")
BATCH_FILES = ("result.json", "weights.h5", "model.json")
REPLICA_FILES = ("fit.json", "grid.npz", "weights.h5")
IMNN_BATCH_EXTRA = (HISTORY_NAME, STATISTICS_NAME)


@dataclass(frozen=True)
class RerunTarget:
    trial: int | None = None
    fold: int | None = None
    replica: int | None = None

    @classmethod
    def parse(cls, text: str) -> RerunTarget:
        match = _TARGET.match(text.strip())
        if match is None:
            raise UserError(f"--rerun {text!r}: use fold:TRIAL:FOLD (e.g. fold:0:1) or replica:I (e.g. replica:3)")
        if match.group(3) is not None:
            return cls(replica=int(match.group(3)))
        return cls(trial=int(match.group(1)), fold=int(match.group(2)))

    def __str__(self) -> str:
        return f"replica {self.replica}" if self.replica is not None else f"trial {self.trial} fold {self.fold}"


def extract(members: dict[str, bytes], root: str, dest: Path) -> Path:
    for name, content in members.items():
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    return dest / root


def _replifold(*args: str | Path) -> str | None:
    """Run one verb in a fresh interpreter; the tail of its output when it fails, else None."""
    done = subprocess.run(
        [sys.executable, "-m", "replifold.cli", *map(str, args)], capture_output=True, text=True, check=False
    )
    if done.returncode == 0:
        return None
    return f"'replifold {' '.join(map(str, args))}' exited with {done.returncode}: {(done.stdout + done.stderr)[-2000:]}"


def _compare(members: dict[str, bytes], root: str, rerun_dir: Path, archived_dir: str, names: tuple[str, ...]) -> list[str]:
    problems = []
    for name in names:
        member = f"{root}/{archived_dir}/{name}"
        fresh = rerun_dir / name
        if member not in members:
            problems.append(f"{member}: not in the archive")
        elif not fresh.is_file():
            problems.append(f"{member}: the rerun did not write {name}")
        elif fresh.read_bytes() != members[member]:
            problems.append(f"{member}: rerun bytes differ from the archived ones")
    return problems


def _simulations(fit_dir: Path) -> str | None:
    """Simulate an imnn fit's sets again (nothing to do for PDF fits); the failure, if any."""
    return _replifold("simulate", fit_dir) if is_imnn_fit(fit_dir) else None


def rerun_fold(members: dict[str, bytes], root: str, fit_dir: Path, trial: int, fold: int) -> list[str]:
    fold_dir = Path("hyperopt", f"trial{trial}", f"fold{fold}")
    names = FOLD_FILES + (IMNN_BATCH_EXTRA if is_imnn_fit(fit_dir) else ())
    for name in names:
        (fit_dir / fold_dir / name).unlink(missing_ok=True)
    failure = _simulations(fit_dir) or _replifold("train-fold", fit_dir, "--trial", trial, "--fold", fold)
    if failure:
        return [failure]
    return _compare(members, root, fit_dir / fold_dir, fold_dir.as_posix(), names)


def _batch_of(fit_dir: Path, replica: int) -> tuple[str, list[int]]:
    for result in sorted((fit_dir / "fit").glob("batch*/result.json")):
        replicas = [r["replica"] for r in read_json(result)["replicas"]]
        if replica in replicas:
            return result.parent.name, replicas
    raise UserError(f"no batch of the archive trained replica {replica}")


def rerun_replica(members: dict[str, bytes], root: str, fit_dir: Path, replica: int, workdir: Path) -> list[str]:
    batch, replicas = _batch_of(fit_dir, replica)
    best = fit_dir / "hyperopt" / "best.json"
    params = ["--params", best] if best.is_file() else []
    batch_dir, split_dir = workdir / "rerun" / batch, workdir / "rerun" / "fit"
    replica_list = ",".join(map(str, replicas))
    failure = _simulations(fit_dir) or _replifold(
        "fit", fit_dir / "runcard.yml", fit_dir / "data", "--replicas", replica_list, *params, "-o", batch_dir
    ) or _replifold("split", batch_dir, "-o", split_dir)
    if failure:
        return [failure]
    imnn = is_imnn_fit(fit_dir)
    batch_files = BATCH_FILES + (IMNN_BATCH_EXTRA if imnn else ())
    return _compare(members, root, batch_dir, f"fit/{batch}", batch_files) + _compare(
        members, root, split_dir / f"replica_{replica}", f"fit/replica_{replica}",
        IMNN_REPLICA_FILES if imnn else REPLICA_FILES,
    )
