"""replifold installed as a wheel (not editable) works from any folder: schemas and profiles are package data.

The wheel goes into a fresh venv; its dependencies are lent from the test's own environment
through a ``.pth`` line (which does not run that environment's editable-install hooks), so
the only replifold importable there is the installed wheel.
"""

from __future__ import annotations

import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The bin/ folder of a fresh venv holding the replifold wheel built from this checkout."""
    root = tmp_path_factory.mktemp("wheel")
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-q",
            "-w",
            str(root / "dist"),
            str(REPO_ROOT),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = (root / "dist").glob("replifold-*.whl")
    subprocess.run([sys.executable, "-m", "venv", str(root / "venv")], check=True)
    python = root / "venv" / "bin" / "python"
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(site) / "lent-dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
    )
    subprocess.run([python, "-m", "pip", "install", "-q", "--no-deps", str(wheel)], check=True)
    return python.parent


def test_the_wheel_sets_up_a_fit_from_an_unrelated_folder(installed, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = subprocess.run(
        [installed / "python", "-c", "import replifold; print(replifold.__file__)"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert where.startswith(str(installed.parent)), where  # the wheel, not this checkout
    card = elsewhere / "closure-quick.yml"
    card.write_bytes((REPO_ROOT / "config" / "runcards" / "closure-quick.yml").read_bytes())
    done = subprocess.run(
        [installed / "replifold", "setup", card.name, "-o", "fit"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert (elsewhere / "fit" / "data" / "meta.json").is_file()


def test_the_wheel_holds_every_module_of_the_source_tree(installed):
    """A subpackage without ``__init__.py`` is silently left out of the wheel by setuptools."""
    site = subprocess.run(
        [
            installed / "python",
            "-c",
            "import replifold, pathlib; print(pathlib.Path(replifold.__file__).parent)",
        ],
        cwd=installed,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    source = REPO_ROOT / "workflow" / "replifold"
    wanted = {
        p.relative_to(source).as_posix()
        for p in source.rglob("*.py")
        if "__pycache__" not in p.parts
    }
    shipped = {
        p.relative_to(site).as_posix()
        for p in Path(site).rglob("*.py")
        if "__pycache__" not in p.parts
    }
    assert wanted - shipped == set()


def test_the_wheel_installs_the_slurm_profile(installed, tmp_path):
    done = subprocess.run(
        [installed / "replifold", "install-profile", "slurm", "--dest", str(tmp_path / "profiles")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "executor: slurm" in (tmp_path / "profiles" / "slurm" / "config.yaml").read_text(
        encoding="utf-8"
    )


def test_the_wheel_reports_its_version_and_commit(installed, tmp_path):
    done = subprocess.run(
        [
            installed / "python",
            "-c",
            "from replifold.version import code_version; print(code_version())",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    head = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "rev-parse", "HEAD"], capture_output=True, text=True
    ).stdout
    assert "installed package" in done.stdout
    assert head.strip()[:7] in done.stdout
