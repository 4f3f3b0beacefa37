"""A real MongoDB-protocol server for the mongo engine's tests, and tiny scans against it.

The server is PyPI's ``secantusdb`` (a test-only dependency, in the ``test`` extra): a Python
server speaking the MongoDB wire protocol, run in memory on a free loopback port. The driver
starts it itself through ``REPLIFOLD_MONGOD``, exactly as it would start ``mongod``.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from mongo_helpers import (
    BIN,
    SERVER,
    Processes,
    free_port,
    port_is_free,
    setup_fit,
    start_processes,
    wait_until,
)


@pytest.fixture(scope="session")
def server_binary() -> Path:
    if not (BIN / SERVER).is_file():
        pytest.fail(f"{SERVER} is missing: install the test extra (pip install -e '.[test]')")
    return BIN / SERVER


@pytest.fixture
def server(server_binary: Path) -> Iterator[int]:
    """A server started by the test (so it outlives the driver); its port."""
    port = free_port()
    command = [
        str(server_binary),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--storage-path",
        ":memory:",
        "--standalone",
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: not port_is_free(port), 30, "the test server")
        yield port
    finally:
        process.terminate()
        process.wait(15)


@pytest.fixture
def make_fit(tmp_path: Path) -> Callable[..., Path]:
    return lambda card, name="fit": setup_fit(card, tmp_path, name)


@pytest.fixture
def processes(tmp_path: Path, server_binary: Path) -> Iterator[Processes]:
    procs = start_processes(tmp_path / "logs")
    yield procs
    procs.stop_all()
