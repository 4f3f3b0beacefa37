"""Wall time of one hyperopt scan with the files engine and with the MongoDB engine: one JSON line.

Both scans are the same runcard's ``rounds x trials_per_round`` trials, run by ``snakemake scan``
(the scans alone, up to the trials store) in fresh directories:

* files: synchronous rounds of ``train_fold`` jobs, ``--cores N``;
* mongo: one driver job (it starts the server, proposes trials and only polls meanwhile) and
  ``N`` worker jobs, ``--cores N+1`` so that N trainings run at once as with the files engine.

The server is started by the driver from ``--server`` (default: the test extra's
``secantusd-py``, in memory), as ``REPLIFOLD_MONGOD`` would be set on a machine without
``mongod``. Set-up (``setup_fit``) is timed apart and left out of both figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import sys
import tempfile
from pathlib import Path

import yaml
from workflow_runs import BIN, QUICK, timed_snakemake, workflow_env

DEFAULT_SERVER = (
    f"{BIN / 'secantusd-py'} --host {{host}} --port {{port}} --storage-path :memory: --standalone"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def scan(workdir: Path, card: dict, cores: int, env: dict[str, str]) -> dict:
    fit = "engines"
    path = workdir / f"{fit}.yml"
    path.write_text(yaml.safe_dump(card, sort_keys=False), encoding="utf-8")
    setup_s = timed_snakemake(workdir, path, f"results/{fit}/runcard.yml", "--cores", "1", env=env)
    wall_s = timed_snakemake(workdir, path, "scan", "--cores", str(cores), env=env)
    tries = json.loads(
        (workdir / "results" / fit / "hyperopt" / "tries.json").read_text(encoding="utf-8")
    )
    best = json.loads(
        (workdir / "results" / fit / "hyperopt" / "best.json").read_text(encoding="utf-8")
    )
    return {
        "setup_s": round(setup_s, 1),
        "scan_wall_s": round(wall_s, 1),
        "trials": len(tries),
        "failed_trials": sum(t["status"] != "ok" for t in tries),
        "best_loss": best["loss"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--runcard",
        type=Path,
        default=QUICK,
        help="a runcard with a hyperopt section (default: quick)",
    )
    parser.add_argument(
        "--cores", type=int, default=2, help="trainings at once: files --cores N, mongo N workers"
    )
    parser.add_argument(
        "--server", default=DEFAULT_SERVER, help="REPLIFOLD_MONGOD template of the server to start"
    )
    args = parser.parse_args()

    card = yaml.safe_load(args.runcard.read_text(encoding="utf-8"))
    if not card.get("hyperopt"):
        sys.exit(f"{args.runcard} has no hyperopt section: there is no scan to time")
    files_card = {**card, "hyperopt": {**card["hyperopt"], "engine": "files"}}
    files_card["hyperopt"].pop("workers", None)
    files_card["hyperopt"].pop("db", None)
    mongo_card = {
        **card,
        "hyperopt": {
            **card["hyperopt"],
            "engine": "mongo",
            "workers": args.cores,
            "db": {"host": "127.0.0.1", "port": free_port(), "name": "bench_scan_engines"},
        },
    }
    env = workflow_env(REPLIFOLD_MONGOD=args.server)
    with tempfile.TemporaryDirectory(prefix="bench_scan_engines.") as tmp:
        (Path(tmp) / "files").mkdir()
        (Path(tmp) / "mongo").mkdir()
        files = scan(Path(tmp) / "files", files_card, args.cores, env)
        mongo = scan(Path(tmp) / "mongo", mongo_card, args.cores + 1, env)
    print(
        json.dumps(
            {
                "benchmark": "bench_scan_engines",
                "runcard": str(args.runcard),
                "scan": {
                    k: card["hyperopt"].get(k) for k in ("rounds", "trials_per_round", "replicas")
                }
                | {"folds": len(card["kfold"]["partitions"])},
                "files": files | {"snakemake_cores": args.cores},
                "mongo": mongo | {"workers": args.cores, "snakemake_cores": args.cores + 1},
                "mongo_over_files": round(mongo["scan_wall_s"] / files["scan_wall_s"], 3),
                "cpu_count": os.cpu_count(),
                "host": platform.node(),
            },
            sort_keys=True,
        )
    )


if __name__ == "__main__":
    main()
