"""Retrain one fold or one replica from an archive's own inputs and compare bytes.

The rerun goes through the same ``replifold`` verbs the workflow ran, in a fresh process
(TensorFlow's thread pools and seeds are set once per process), on the archived runcard,
data and trial parameters, extracted only through ``replifold.tarballs``. The child Python is
started with ``-P``, so neither the working directory nor the extracted archive is ever on
its import path. A replica is retrained with its whole original batch, since only the same
batch layout promises identical bits. An imnn archive holds no simulations (they are
reproducible and can be large): they are simulated again first, from the archived runcard's
seeds, and every retrained result records the hash of their index.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from replifold.errors import UserError
from replifold.imnn.stages import is_imnn_fit
from replifold.io import read_json
from replifold.layout import FitLayout, TrainedModelDir, batch_dir, replica_dir
from replifold.tarballs import Tarball

_TARGET = re.compile(r"^(?:fold:(\d+):(\d+)|replica:(\d+))$")


@dataclass(frozen=True)
class RerunTarget:
    trial: int | None = None
    fold: int | None = None
    replica: int | None = None

    @classmethod
    def parse(cls, text: str) -> RerunTarget:
        match = _TARGET.match(text.strip())
        if match is None:
            raise UserError(
                f"--rerun {text!r}: use fold:TRIAL:FOLD (e.g. fold:0:1) or replica:I (e.g. replica:3)"
            )
        if match.group(3) is not None:
            return cls(replica=int(match.group(3)))
        return cls(trial=int(match.group(1)), fold=int(match.group(2)))

    def __str__(self) -> str:
        return (
            f"replica {self.replica}"
            if self.replica is not None
            else f"trial {self.trial} fold {self.fold}"
        )


def _replifold(workdir: Path, *args: str | Path) -> str | None:
    """Run one verb in a fresh, isolated interpreter; the tail of its output when it fails, else None."""
    done = subprocess.run(
        [sys.executable, "-P", "-m", "replifold.cli", *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        cwd=workdir,
    )
    if done.returncode == 0:
        return None
    output = (done.stdout + done.stderr)[-2000:]
    return f"'replifold {' '.join(map(str, args))}' exited with {done.returncode}: {output}"


def _compare(
    tarball: Tarball, archived: FitLayout, fresh: list[Path], kept: list[Path]
) -> list[str]:
    """Each freshly written file against the archived member at the same place."""
    problems = []
    for new, old in zip(fresh, kept, strict=True):
        member = f"{tarball.root}/{archived.relative(old)}"
        if member not in tarball.files:
            problems.append(f"{member}: not in the archive")
        elif not new.is_file():
            problems.append(f"{member}: the rerun did not write {new.name}")
        elif new.read_bytes() != tarball.files[member]:
            problems.append(f"{member}: rerun bytes differ from the archived ones")
    return problems


def _simulations(workdir: Path, fit: FitLayout) -> str | None:
    """Simulate an imnn fit's sets again (nothing to do for PDF fits); the failure, if any."""
    return _replifold(workdir, "simulate", fit.root) if is_imnn_fit(fit.root) else None


def _batch_files(target: TrainedModelDir, imnn: bool) -> list[Path]:
    return list(target.imnn_reproducible if imnn else target.reproducible)


def rerun_fold(tarball: Tarball, fit: FitLayout, workdir: Path, trial: int, fold: int) -> list[str]:
    target = fit.fold(trial, fold)
    files = _batch_files(target, is_imnn_fit(fit.root))
    for path in files:
        path.unlink(missing_ok=True)
    failure = _simulations(workdir, fit) or _replifold(
        workdir, "train-fold", fit.root, "--trial", trial, "--fold", fold
    )
    if failure:
        return [failure]
    return _compare(tarball, fit, files, files)


def _batch_of(fit: FitLayout, replica: int) -> tuple[int, list[int]]:
    for result in sorted(fit.fit_dir.glob("batch*/result.json")):
        replicas = [r["replica"] for r in read_json(result)["replicas"]]
        if replica in replicas:
            return int(result.parent.name.removeprefix("batch")), replicas
    raise UserError(f"no batch of the archive trained replica {replica}")


def rerun_replica(tarball: Tarball, fit: FitLayout, workdir: Path, replica: int) -> list[str]:
    batch, replicas = _batch_of(fit, replica)
    params = ["--params", fit.best_json] if fit.best_json.is_file() else []
    fresh_batch: TrainedModelDir = batch_dir(workdir / "rerun" / f"batch{batch}")
    fresh_replicas = workdir / "rerun" / "fit"
    replica_list = ",".join(map(str, replicas))
    failure = (
        _simulations(workdir, fit)
        or _replifold(
            workdir,
            "fit",
            fit.runcard,
            fit.data_dir,
            "--replicas",
            replica_list,
            *params,
            "-o",
            fresh_batch.path,
        )
        or _replifold(workdir, "split", fresh_batch.path, "-o", fresh_replicas)
    )
    if failure:
        return [failure]
    fresh_replica, kept_replica = replica_dir(fresh_replicas, replica), fit.replica(replica)
    kept_batch = fit.batch(batch)
    imnn = is_imnn_fit(fit.root)

    def replica_files(target):
        return list(target.imnn_reproducible if imnn else target.reproducible)

    return _compare(
        tarball, fit, _batch_files(fresh_batch, imnn), _batch_files(kept_batch, imnn)
    ) + _compare(tarball, fit, replica_files(fresh_replica), replica_files(kept_replica))
