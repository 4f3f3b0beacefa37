"""Helpers of the mongo engine's tests: tiny scan cards, fit setup, driver/worker processes, polling."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from replifold.cli import main

RUNCARD = Path(__file__).resolve().parents[2] / "config" / "runcards" / "closure-quick.yml"
STALE_AFTER_S = 4.0
POLL_S = 0.2
BIN = Path(sys.executable).parent
SERVER = "secantusd-py"
SERVER_TEMPLATE = (
    f"{BIN / SERVER} --host {{host}} --port {{port}} --storage-path :memory: --standalone"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tiny_card(port: int, rounds: int = 2, workers: int = 2) -> dict:
    """2 replicas, 40-90 epochs, 2 folds, 2 trials per round: seconds per trial."""
    card = yaml.safe_load(RUNCARD.read_text(encoding="utf-8"))
    card["replicas"] = card["replicas_per_job"] = 2
    card["parameters"]["epochs"] = 60
    card["hyperscan_config"]["stopping"] = {
        "min_epochs": 40,
        "max_epochs": 90,
        "min_patience": 0.1,
        "max_patience": 0.3,
    }
    card["hyperscan_config"]["architecture"].update(min_units=4, max_units=8)
    card["kfold"].update(threshold=1.0e9, penalties_in_loss=False)
    card["hyperopt"].update(
        rounds=rounds,
        trials_per_round=2,
        replicas=2,
        n_startup=2,
        engine="mongo",
        workers=workers,
        db={"host": "127.0.0.1", "port": port, "name": "replifold_test"},
    )
    return card


def timing_args() -> list[str]:
    return ["--stale-after", str(STALE_AFTER_S), "--poll", str(POLL_S)]


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def setup_fit(card: dict, directory: Path, name: str = "fit") -> Path:
    """``replifold setup`` of a tiny mongo-engine card into directory/<name>."""
    path = directory / f"{name}.yml"
    path.write_text(yaml.safe_dump(card, sort_keys=False), encoding="utf-8")
    assert main(["setup", str(path), "-o", str(directory / name)]) == 0
    return directory / name


class Processes:
    """Driver and worker subprocesses of one test; whatever is still running at the end is killed."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env, self.logs, self.running = env, logs, []
        logs.mkdir(parents=True, exist_ok=True)

    def start(self, label: str, *args: str) -> subprocess.Popen:
        log = open(self.logs / f"{label}.log", "ab")
        process = subprocess.Popen(
            [str(BIN / "replifold"), *args], stdout=log, stderr=subprocess.STDOUT, env=self.env
        )
        log.close()
        self.running.append(process)
        return process

    def log(self, label: str) -> str:
        return (self.logs / f"{label}.log").read_text(encoding="utf-8", errors="replace")

    def wait(self, process: subprocess.Popen, label: str, timeout: float = 300) -> None:
        assert process.wait(timeout) == 0, self.log(label)

    def stop_all(self) -> None:
        for process in self.running:
            if process.poll() is None:
                process.kill()
                process.wait()


def start_processes(logs: Path) -> Processes:
    env = {
        **os.environ,
        "REPLIFOLD_MONGOD": SERVER_TEMPLATE,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    return Processes(env, logs)
