"""The MongoDB engine on a real server: a 2-worker scan, a killed worker, a restart from an archive.

Tiny scans (2 replicas, 40-90 epochs, 2 folds); every trial is still a real fit.
"""

from __future__ import annotations

import os
import pickle
import signal
from pathlib import Path

import pytest
import yaml
from hyperopt import JOB_STATE_DONE, JOB_STATE_ERROR, JOB_STATE_RUNNING
from hyperopt.mongoexp import MongoTrials
from mongo_helpers import (
    free_port,
    port_is_free,
    setup_fit,
    start_processes,
    timing_args,
    tiny_card,
    wait_until,
)
from pymongo import MongoClient

from replifold.cli import main
from replifold.hyperopt.context import ScanContext
from replifold.hyperopt.engines.files import FilesEngine
from replifold.hyperopt.fold import FAIL_FOLD_ENV
from replifold.hyperopt.proposals import Proposal
from replifold.io import read_json

pytestmark = pytest.mark.mongo
DB = "replifold_test"


def _jobs(port: int, exp_key: str) -> list[dict]:
    with MongoClient("127.0.0.1", port, serverSelectionTimeoutMS=5000) as client:
        return list(client[DB]["jobs"].find({"exp_key": exp_key}, sort=[("tid", 1)]))


@pytest.fixture(scope="module")
def scan_processes(tmp_path_factory, server_binary):
    procs = start_processes(tmp_path_factory.mktemp("scanlogs"))
    yield procs
    procs.stop_all()


@pytest.fixture(scope="module")
def two_worker_scan(scan_processes, tmp_path_factory) -> tuple[Path, int]:
    """One 2-worker scan (2 rounds x 2 trials) for the module's tests, on a server the driver starts."""
    tmp_path, processes, port = tmp_path_factory.mktemp("scan"), scan_processes, free_port()
    fit = setup_fit(tiny_card(port, rounds=2, workers=2), tmp_path)
    driver = processes.start("driver", "mongo-driver", str(fit), *timing_args())
    workers = [
        processes.start(
            f"w{i}",
            "mongo-worker",
            str(fit),
            "--name",
            f"w{i}",
            "--record",
            str(tmp_path / f"w{i}.json"),
            *timing_args(),
        )
        for i in range(2)
    ]
    processes.wait(driver, "driver")
    for i, worker in enumerate(workers):
        processes.wait(worker, f"w{i}")
    return fit, port


def test_two_workers_share_the_scan_and_no_trial_runs_twice(two_worker_scan, scan_processes):
    fit, port = two_worker_scan
    records = [read_json(fit.parent / f"w{i}.json") for i in range(2)]
    ran = [trial for record in records for trial in record["trials"]]
    assert all(record["trials"] for record in records), records  # both workers took jobs
    assert sorted(ran) == [0, 1, 2, 3] and not any(record["lost"] for record in records)
    assert "started the MongoDB server" in scan_processes.log("driver")
    assert port_is_free(port)  # the driver stopped the server it started


def test_store_has_the_files_engine_schema(two_worker_scan):
    fit, _ = two_worker_scan
    tries = read_json(fit / "hyperopt/tries.json")
    assert [t["trial"] for t in tries] == [0, 1, 2, 3]
    assert all(
        set(t) == {"trial", "round", "params", "status", "loss", "reason", "fold_losses"}
        for t in tries
    )
    assert all(t["status"] == "ok" and len(t["fold_losses"]) == 2 for t in tries)
    best = read_json(fit / "hyperopt/best.json")
    assert set(best) == {"trial", "round", "params", "loss"}
    assert best["loss"] == min(t["loss"] for t in tries)
    with open(fit / "hyperopt/tries.pkl", "rb") as handle:
        trials = pickle.load(handle)
    assert (
        trials.losses() == [t["loss"] for t in tries] and trials.best_trial["tid"] == best["trial"]
    )


def test_a_trial_gives_the_files_engine_result_for_the_same_params(two_worker_scan, make_fit):
    """Trial 3 (a TPE proposal) through the files engine's verbs: the same bytes."""
    fit, port = two_worker_scan
    card = tiny_card(port)
    card["hyperopt"] = {
        k: v for k, v in card["hyperopt"].items() if k not in ("engine", "workers", "db")
    }
    files_fit = make_fit(card, "files")
    params = {t["trial"]: t["params"] for t in read_json(fit / "hyperopt/tries.json")}
    FilesEngine(ScanContext.load(files_fit)).submit(
        [Proposal(t, "tpe", params[t], {}) for t in (2, 3)]
    )
    for fold in range(2):
        assert main(["train-fold", str(files_fit), "--trial", "3", "--fold", str(fold)]) == 0
        result = f"hyperopt/trial3/fold{fold}/result.json"
        assert (files_fit / result).read_bytes() == (fit / result).read_bytes()
    assert main(["reduce", str(files_fit), "--trial", "3"]) == 0
    assert (files_fit / "hyperopt/trial3/hyperloss.json").read_bytes() == (
        fit / "hyperopt/trial3/hyperloss.json"
    ).read_bytes()


def test_a_killed_workers_trial_runs_again_and_a_restart_continues_from_the_archive(
    make_fit, processes, server, tmp_path
):
    port = server
    fit = make_fit(tiny_card(port, rounds=1, workers=1))
    exp_key = fit.name
    driver = processes.start("driver", "mongo-driver", str(fit), *timing_args())
    doomed = processes.start("doomed", "mongo-worker", str(fit), "--name", "doomed", *timing_args())
    wait_until(
        lambda: any(j["state"] == JOB_STATE_RUNNING for j in _jobs(port, exp_key)),
        60,
        "a reserved job",
    )
    os.kill(doomed.pid, signal.SIGKILL)
    doomed.wait()
    record = tmp_path / "rescuer.json"
    rescuer = processes.start(
        "rescuer",
        "mongo-worker",
        str(fit),
        "--name",
        "rescuer",
        "--record",
        str(record),
        *timing_args(),
    )
    processes.wait(driver, "driver")
    processes.wait(rescuer, "rescuer")
    jobs = _jobs(port, exp_key)
    assert [j["state"] for j in jobs] == [JOB_STATE_DONE, JOB_STATE_DONE]
    owners = [[owner.rsplit(":", 1)[1] for owner in j["owners"]] for j in jobs]
    assert owners == [["doomed", "rescuer"], ["rescuer"]]
    assert "queued again: its worker's heartbeat stopped" in processes.log("driver")
    assert read_json(record)["trials"] == [0, 1]
    assert not port_is_free(port)  # a server the driver did not start keeps running

    plain = MongoTrials(
        f"mongo://127.0.0.1:{port}/{DB}/jobs", exp_key=exp_key
    )  # hyperopt's own reader
    plain.refresh()
    assert plain.losses() == [t["loss"] for t in read_json(fit / "hyperopt/tries.json")]

    archive = tmp_path / "scan.tar.gz"
    assert main(["mongo-compress", str(fit), "-o", str(archive)]) == 0
    before = read_json(fit / "hyperopt/tries.json")
    # restart on a fresh server (started by the driver) with one more round
    runcard = yaml.safe_load((fit / "runcard.yml").read_text(encoding="utf-8"))
    runcard["hyperopt"]["rounds"] = 2
    runcard["hyperopt"]["db"]["port"] = fresh = free_port()
    (fit / "runcard.yml").write_text(yaml.safe_dump(runcard, sort_keys=False), encoding="utf-8")
    driver = processes.start(
        "driver2", "mongo-driver", str(fit), "--restore", str(archive), *timing_args()
    )
    record = tmp_path / "after.json"
    worker = processes.start(
        "after",
        "mongo-worker",
        str(fit),
        "--name",
        "after",
        "--record",
        str(record),
        *timing_args(),
    )
    processes.wait(driver, "driver2")
    processes.wait(worker, "after")
    assert "restored 2 jobs" in processes.log("driver2")
    assert read_json(record)["trials"] == [2, 3]  # the finished trials were not run again
    after = read_json(fit / "hyperopt/tries.json")
    assert after[:2] == before and [t["trial"] for t in after] == [0, 1, 2, 3]
    assert port_is_free(fresh)


def test_a_crashed_trial_ends_the_driver_and_both_workers_and_a_rerun_continues(
    make_fit, processes, server, tmp_path
):
    """On a server the driver did not start, no worker is left waiting for a scan that stopped."""
    fit = make_fit(tiny_card(server, rounds=1, workers=2))
    processes.env[FAIL_FOLD_ENV] = "1:0"
    started = [
        processes.start(label, *args, *timing_args())
        for label, args in (
            ("driver", ("mongo-driver", str(fit))),
            ("w0", ("mongo-worker", str(fit), "--name", "w0")),
            ("w1", ("mongo-worker", str(fit), "--name", "w1")),
        )
    ]
    codes = [process.wait(300) for process in started]
    assert codes[0] == 2 and "trial 1 (" in processes.log("driver"), processes.log("driver")
    logs = [processes.log(label) for label in ("w0", "w1")]
    assert all(code != 0 for code in codes[1:]), logs
    assert sorted("simulated crash of trial 1, fold 0" in log for log in logs) == [False, True], (
        logs
    )
    assert sum("the driver stopped before the scan finished" in log for log in logs) == 1, logs
    assert [j["state"] for j in _jobs(server, fit.name)] == [JOB_STATE_DONE, JOB_STATE_ERROR]

    del processes.env[FAIL_FOLD_ENV]
    record = tmp_path / "rerun.json"
    driver = processes.start("driver2", "mongo-driver", str(fit), *timing_args())
    worker = processes.start(
        "rerun",
        "mongo-worker",
        str(fit),
        "--name",
        "rerun",
        "--record",
        str(record),
        *timing_args(),
    )
    processes.wait(driver, "driver2")
    processes.wait(worker, "rerun")
    assert "trial 1 queued again" in processes.log("driver2")
    assert read_json(record)["trials"] == [1]  # trial 0 kept its result
    assert [t["status"] for t in read_json(fit / "hyperopt/tries.json")] == ["ok", "ok"]
