"""Fixtures shared across the test suite: the repository's runcards and a way to write variants."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

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


@pytest.fixture
def write_runcard(tmp_path: Path) -> Callable[[dict | str, str], Path]:
    """Write a runcard (a dict, or YAML text verbatim) to ``tmp_path/<name>.yml``."""

    def write(content: dict | str, name: str = "card") -> Path:
        path = tmp_path / f"{name}.yml"
        text = content if isinstance(content, str) else yaml.safe_dump(content, sort_keys=False)
        path.write_text(text, encoding="utf-8")
        return path

    return write
