"""A MongoDB server for the scan when none answers at the configured address.

``mongod`` from PATH is started bound to ``hyperopt.db.host`` only (127.0.0.1 by default),
with its data under the fit directory; ``REPLIFOLD_MONGOD`` replaces the command line (a
template with ``{host}``, ``{port}`` and ``{dbpath}``, e.g. another server speaking the
MongoDB protocol). Whoever started the server stops it.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from replifold.errors import UserError
from replifold.hyperopt.engines.mongo.jobs import connect, ping
from replifold.hyperopt.engines.mongo.settings import MongoSettings

SERVER_ENV = "REPLIFOLD_MONGOD"
DEFAULT_COMMAND = "mongod --bind_ip {host} --port {port} --dbpath {dbpath}"
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 15.0


def server_command(settings: MongoSettings, dbpath: Path) -> list[str]:
    template = os.environ.get(SERVER_ENV) or DEFAULT_COMMAND
    fields = {"host": settings.host, "port": settings.port, "dbpath": str(dbpath)}
    try:
        command = [part.format(**fields) for part in shlex.split(template)]
    except (KeyError, IndexError, ValueError) as error:
        raise UserError(
            f"{SERVER_ENV}: bad command template {template!r} ({error!r}); use {{host}}, {{port}}, {{dbpath}}"
        ) from None
    if not command or shutil.which(command[0]) is None:
        raise UserError(
            f"no MongoDB server answers at {settings.address} and {command[0] if command else template!r} "
            f"is not on PATH: install mongod, point hyperopt.db at a running server, or set {SERVER_ENV}"
        )
    return command


def wait_for_server(
    settings: MongoSettings, timeout_s: float, process: subprocess.Popen | None = None
) -> bool:
    """Ping until the server answers (``True``), ``timeout_s`` passes or ``process`` exits."""
    db = connect(settings, timeout_s=1.0)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if ping(db):
            return True
        if process is not None and process.poll() is not None:
            return False
        time.sleep(0.2)
    return ping(db)


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def scan_server(settings: MongoSettings, dbpath: Path, log: Path) -> Iterator[bool]:
    """The server for the scan's lifetime; yields whether this process started it."""
    if wait_for_server(settings, timeout_s=1.0):
        yield False
        return
    command = server_command(settings, dbpath)
    dbpath.mkdir(parents=True, exist_ok=True)
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as sink:
        process = subprocess.Popen(
            command, stdout=sink, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
    try:
        if not wait_for_server(settings, START_TIMEOUT_S, process):
            raise UserError(
                f"the MongoDB server {command[0]} did not answer at {settings.address}; see {log}"
            )
        yield True
    finally:
        stop(process)
