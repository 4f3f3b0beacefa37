"""Simulations written as npy arrays, npy files and TFRecords read back through tf.data (issue 17)."""

from __future__ import annotations

import numpy as np
import pytest

from replifold.imnn import records
from replifold.imnn.pipeline import set_streams
from replifold.imnn.sets import blocks, fit_sets
from replifold.imnn.settings import ImnnSettings
from replifold.imnn.storage import write_simulations
from replifold.io import atomic_directory, read_json
from replifold.runcard import expand_runcard

SOURCES = ("memory", "files", "tfrecords")


def _settings(card: dict, source: str, **imnn) -> ImnnSettings:
    card["imnn"].update(n_s=48, n_d=24, n_per_device=8, **imnn)
    card["imnn"]["input"] = {
        "source": source,
        "record_size_mb": 0.002,
        "cache": False,
        "prefetch": True,
    }
    return ImnnSettings.from_runcard(expand_runcard(card))


def _write(settings: ImnnSettings, root):
    with atomic_directory(root) as tmp:
        return write_simulations(settings, list(fit_sets(settings)), tmp)


def _batches(settings: ImnnSettings, root, passes: int = 2):
    streams = set_streams(settings, fit_sets(settings)[0], root)
    out = []
    for _ in range(passes):
        for stream in streams.streams:
            for batch in stream.one_pass():
                out.append(
                    [np.asarray(t) for t in (batch if isinstance(batch, tuple) else (batch,))]
                )
    return [s.name for s in streams.streams], out


@pytest.mark.parametrize("derivatives", ["gradient", "numerical"])
def test_three_sources_serve_the_same_batches(imnn_runcard, tmp_path, derivatives):
    extra = {"derivatives": derivatives, "dtheta": [0.1, 0.1]} if derivatives == "numerical" else {}
    served = {}
    for source in SOURCES:
        settings = _settings(dict(imnn_runcard, imnn=dict(imnn_runcard["imnn"])), source, **extra)
        _write(settings, tmp_path / source)
        served[source] = _batches(settings, tmp_path / source)
    names, memory = served["memory"]
    assert names == (
        ["main", "remaining"] if derivatives == "gradient" else ["fiducial", "derivative"]
    )
    for source in ("files", "tfrecords"):
        assert served[source][0] == names
        for mine, theirs in zip(served[source][1], memory, strict=True):
            for a, b in zip(mine, theirs, strict=True):
                assert a.dtype == np.float32 and a.shape[0] == 8
                np.testing.assert_array_equal(a, b)
    # one pass is the whole set in order, and the second pass repeats it
    settings = _settings(dict(imnn_runcard, imnn=dict(imnn_runcard["imnn"])), "memory", **extra)
    (expected,) = list(blocks(settings, fit_sets(settings)[0]))
    half = len(memory) // 2
    assert all(np.array_equal(a[0], b[0]) for a, b in zip(memory[:half], memory[half:]))
    if derivatives == "gradient":
        np.testing.assert_array_equal(
            np.concatenate([b[0] for b in memory[:3]]), expected.fiducial[:24]
        )
        np.testing.assert_array_equal(
            np.concatenate([b[1] for b in memory[:3]]), expected.derivative
        )
        np.testing.assert_array_equal(
            np.concatenate([b[0] for b in memory[3:6]]), expected.fiducial[24:]
        )
    else:
        np.testing.assert_array_equal(np.concatenate([b[0] for b in memory[:6]]), expected.fiducial)
        flat = expected.derivative.reshape(-1, 10)  # (seed, -/+, parameter) order
        np.testing.assert_array_equal(np.concatenate([b[0] for b in memory[6:18]]), flat)


def test_records_are_filled_up_to_the_record_size(imnn_runcard, tmp_path):
    settings = _settings(imnn_runcard, "tfrecords")
    index = _write(settings, tmp_path / "sims")
    files = records.record_files(tmp_path / "sims" / "fit" / "training", records.FIDUCIAL)
    assert len(files) == index["sets"]["fit/training"]["fiducial"]["files"] > 1
    limit = settings.input.record_size_mb * (1 << 20)
    assert all(f.stat().st_size >= limit for f in files[:-1])
    assert all(
        f.stat().st_size < limit + 200 for f in files
    )  # closed right after the record that filled it


@pytest.mark.parametrize("source", SOURCES)
def test_rewriting_gives_the_same_bytes(imnn_runcard, tmp_path, source):
    settings = _settings(imnn_runcard, source)
    first = _write(settings, tmp_path / "sims")
    files = {
        p.relative_to(tmp_path / "sims"): p.read_bytes()
        for p in (tmp_path / "sims").rglob("*")
        if p.is_file()
    }
    second = _write(settings, tmp_path / "sims")
    assert first == second == read_json(tmp_path / "sims" / records.INDEX_NAME)
    again = {
        p.relative_to(tmp_path / "sims"): p.read_bytes()
        for p in (tmp_path / "sims").rglob("*")
        if p.is_file()
    }
    assert again == files
    assert not [
        p for p in tmp_path.iterdir() if p.name.startswith(".")
    ]  # no temporary folder left behind


def test_missing_simulations_are_a_clear_error(imnn_runcard, tmp_path):
    from replifold.errors import UserError

    settings = _settings(imnn_runcard, "files")
    with pytest.raises(UserError, match="run 'replifold simulate'"):
        set_streams(settings, fit_sets(settings)[0], tmp_path)
