"""The MongoDB engine under broken input and lost servers: nothing lost, no traceback."""

from __future__ import annotations

import subprocess

import pytest
from bson import json_util
from mongo_helpers import BIN, SERVER, free_port, port_is_free, timing_args, tiny_card, wait_until
from pymongo import MongoClient

from replifold.cli import main
from replifold.tarballs import tarball_bytes

pytestmark = pytest.mark.mongo
DB = "replifold_test"


def _collection(port: int):
    return MongoClient("127.0.0.1", port, serverSelectionTimeoutMS=5000)[DB]["jobs"]


def _archive(path, exp_key: str, docs: list[dict]):
    text = json_util.dumps(docs, json_options=json_util.CANONICAL_JSON_OPTIONS)
    path.write_bytes(tarball_bytes([(f"{exp_key}/jobs.json", text.encode("utf-8"))]))
    return path


def test_replace_keeps_the_scans_jobs_when_the_new_ones_cannot_go_in(
    make_fit, server, tmp_path, capsys
):
    fit = make_fit(tiny_card(server, rounds=1))
    jobs = _collection(server)
    originals = [
        {"tid": t, "state": 2, "exp_key": fit.name, "spec": {"t": t}, "result": {"status": "ok"}}
        for t in (0, 1)
    ]
    jobs.insert_many([dict(doc) for doc in originals])
    too_large = [
        {"tid": 0, "state": 2, "spec": {}},
        {"tid": 1, "state": 2, "spec": {"blob": "x" * 17_000_000}},
    ]
    bad = _archive(tmp_path / "bad.tar.gz", fit.name, too_large)

    assert main(["mongo-extract", str(fit), str(bad), "--replace"]) == 2
    assert "the scan's 2 jobs are untouched" in capsys.readouterr().err
    kept = list(jobs.find({"exp_key": fit.name}, projection={"_id": False}, sort=[("tid", 1)]))
    assert kept == originals
    assert jobs.count_documents({"exp_key": {"$regex": r"\.(staging|replaced)$"}}) == 0

    good = _archive(tmp_path / "good.tar.gz", fit.name, [{"tid": 7, "state": 2, "spec": {"t": 7}}])
    assert (
        main(["mongo-extract", str(fit), str(good)]) == 2
    )  # without --replace: refused, nothing changed
    assert "pass --replace" in capsys.readouterr().err
    assert main(["mongo-extract", str(fit), str(good), "--replace"]) == 0
    assert [d["tid"] for d in jobs.find({"exp_key": fit.name})] == [7]
    assert jobs.count_documents({"exp_key": {"$regex": r"\.(staging|replaced)$"}}) == 0


def test_a_broken_archive_is_refused_before_any_server_is_asked(make_fit, tmp_path, capsys):
    fit = make_fit(tiny_card(free_port(), rounds=1))  # nothing listens there
    archive = _archive(tmp_path / "scan.tar.gz", fit.name, [{"tid": 0, "state": 2}])
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(archive.read_bytes()[:-30])
    for broken, message in (
        (truncated, "truncated or corrupt"),
        (tmp_path / "missing.tar.gz", "no archive at"),
    ):
        assert main(["mongo-extract", str(fit), str(broken)]) == 2
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err


def test_the_driver_ends_with_a_clear_error_when_its_server_goes_away(
    make_fit, processes, tmp_path, server_binary
):
    port = free_port()
    command = [
        str(BIN / SERVER),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--storage-path",
        ":memory:",
        "--standalone",
    ]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: not port_is_free(port), 30, "the test server")
        fit = make_fit(tiny_card(port, rounds=1, workers=1))
        driver = processes.start("driver", "mongo-driver", str(fit), *timing_args())
        wait_until(
            lambda: _collection(port).count_documents({"exp_key": fit.name}) > 0,
            60,
            "a queued trial",
        )
    finally:
        server.kill()
        server.wait()
    assert driver.wait(120) == 2
    log = processes.log("driver")
    assert "stopped answering" in log and "Traceback" not in log
