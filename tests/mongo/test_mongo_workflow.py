"""The MongoDB engine through `snakemake`: the driver job starts the server, two worker jobs share the scan."""

from __future__ import annotations

import pytest
from mongo_helpers import SERVER_TEMPLATE, free_port, port_is_free

from replifold.io import read_json

pytestmark = pytest.mark.mongo
FIT = "mongoscan"


def test_snakemake_runs_a_mongo_scan_with_a_driver_and_two_workers(
    snakemake, tiny_runcard, write_yaml, server_binary, tmp_path
):
    """The workflow tests' tiny campaign (2 trials, 2 folds, 4 replicas) with the mongo engine."""
    port = free_port()
    db = {"host": "127.0.0.1", "port": port, "name": "replifold_test"}
    card = {
        **tiny_runcard,
        "hyperopt": {**tiny_runcard["hyperopt"], "engine": "mongo", "workers": 2, "db": db},
    }
    path = write_yaml(tmp_path / f"{FIT}.yml", card)
    # 3 cores: the driver (which only polls the database) and both workers run at once.
    run = snakemake(
        tmp_path,
        "--cores",
        "3",
        "--config",
        f"runcards=[{path}]",
        "results=results",
        env={"REPLIFOLD_MONGOD": SERVER_TEMPLATE},
        timeout=900,
    )
    assert run.returncode == 0, run.output[-5000:]
    counts = run.job_counts()
    assert counts["mongo_driver"] == 1 and counts["mongo_worker"] == 2
    assert not {"suggest", "train_fold", "reduce_trial", "collect"} & set(counts)

    fit = tmp_path / "results" / FIT
    assert [t["trial"] for t in read_json(fit / "hyperopt" / "tries.json")] == [0, 1]
    records = [read_json(fit / "logs" / "mongo" / f"worker{w}.json") for w in range(2)]
    assert sorted(t for record in records for t in record["trials"]) == [0, 1]
    assert all(record["trials"] for record in records), records  # both workers took trials
    assert "started the MongoDB server" in (fit / "logs" / "mongo" / "driver.log").read_text(
        encoding="utf-8"
    )
    assert port_is_free(port)  # the driver stopped the server it started
    assert (fit / "report" / "index.html").is_file() and (
        fit / "archive" / f"{FIT}.tar.gz"
    ).is_file()
