"""Fixtures shared across the test suite: the repository's runcards, ways to write variants, and
`snakemake` on the repository's Snakefile."""

from __future__ import annotations

import os

# As replifold.cli does for every job: one BLAS thread, so that in-process tests compute the
# same bits as the verbs they are compared with (set before numpy is imported).
os.environ["OPENBLAS_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = "1"

import copy
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from snakemake_runs import Run, run_snakemake

REPO_ROOT = Path(__file__).resolve().parents[1]
RUNCARDS = REPO_ROOT / "config" / "runcards"


def pytest_configure(config: pytest.Config) -> None:
    """Size TensorFlow's thread pools before any test runs it: they cannot change afterwards."""
    from replifold import seeding

    seeding.set_initial_state(seeding.job_seed(0))


@pytest.fixture(scope="session")
def quick_runcard_path() -> Path:
    return RUNCARDS / "closure-quick.yml"


@pytest.fixture(scope="session")
def _quick_runcard_pristine(quick_runcard_path: Path) -> dict:
    return yaml.safe_load(quick_runcard_path.read_text(encoding="utf-8"))


@pytest.fixture
def quick_runcard(_quick_runcard_pristine: dict) -> dict:
    """The quick runcard as a raw (unexpanded) dict; each test gets its own copy to mutate."""
    return copy.deepcopy(_quick_runcard_pristine)


@pytest.fixture(scope="session")
def imnn_runcard_path() -> Path:
    return RUNCARDS / "imnn-gaussian.yml"


@pytest.fixture
def imnn_runcard(imnn_runcard_path: Path) -> dict:
    """The imnn-gaussian runcard as a raw (unexpanded) dict; each test gets its own copy to mutate."""
    return yaml.safe_load(imnn_runcard_path.read_text(encoding="utf-8"))


@pytest.fixture
def write_runcard(tmp_path: Path) -> Callable[[dict | str, str], Path]:
    """Write a runcard (a dict, or YAML text verbatim) to ``tmp_path/<name>.yml``."""

    def write(content: dict | str, name: str = "card") -> Path:
        path = tmp_path / f"{name}.yml"
        text = content if isinstance(content, str) else yaml.safe_dump(content, sort_keys=False)
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture(scope="session")
def write_yaml() -> Callable[[Path, dict], Path]:
    """Write ``content`` as YAML to ``path`` (its folder created)."""

    def write(path: Path, content: dict) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(content, sort_keys=False), encoding="utf-8")
        return path

    return write


@pytest.fixture(scope="session")
def snakemake() -> Callable[..., Run]:
    """``snakemake(workdir, *args, env=None, timeout=1200)``: a finished real Snakemake run."""
    return run_snakemake


@pytest.fixture(scope="session")
def tiny_runcard(_quick_runcard_pristine: dict) -> dict:
    """The quick runcard cut to seconds per job: 2 rounds of 1 trial, 2 folds, 4 replicas in 2 batches,
    a small LHAPDF grid.

    Thresholds (threshold_chi2, positivity.threshold) are loosened because so few epochs do not
    converge; the chain, not the fit quality, is under test here.
    """
    quick = copy.deepcopy(_quick_runcard_pristine)
    card = {**quick, "replicas": 4, "replicas_per_job": 2}
    card["parameters"] = {**quick["parameters"], "epochs": 200, "threshold_chi2": 50.0}
    # 200 epochs are too few for the positivity multiplier to win (per-set losses ~ 10-100)
    card["parameters"]["positivity"] = {**quick["parameters"]["positivity"], "threshold": 1.0e3}
    card["hyperscan_config"] = {
        **quick["hyperscan_config"],
        "stopping": {**quick["hyperscan_config"]["stopping"], "min_epochs": 50, "max_epochs": 150},
    }
    card["hyperopt"] = {**quick["hyperopt"], "rounds": 2, "trials_per_round": 1, "n_startup": 1}
    card["kfold"] = {**quick["kfold"], "threshold": 1.0e9, "penalties_in_loss": False}
    # the smallest LHAPDF grid still spanning x in [1e-9, 1] and Q in [Q0, 1e5 GeV]: seconds of eko
    card["evolution"] = {
        **quick["evolution"],
        "xgrid": {"n_small": 12, "n_large": 8},
        "q_points": 8,
    }
    return card
