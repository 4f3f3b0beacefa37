"""Where the scan's database is and how to log in to it.

The address comes from the runcard's ``hyperopt.db``; credentials only from the environment
(``REPLIFOLD_MONGO_USERNAME`` + ``REPLIFOLD_MONGO_PASSWORD``) or a file named by
``REPLIFOLD_MONGO_CREDENTIALS`` (one line ``username:password``), so they never reach a
runcard, an archive or a log: nothing here prints them.
"""

from __future__ import annotations

import logging
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from replifold.errors import RuncardError, UserError

log = logging.getLogger(__name__)
# A host name or address, nothing else: a URI would carry credentials (and print them, and
# put them on the server's command line), which only ever come from the environment.
HOST = re.compile(r"^(?:[A-Za-z0-9][A-Za-z0-9._-]*|\[[0-9A-Fa-f:.]+\])$")

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 27017
DEFAULT_NAME = "replifold"
USERNAME_ENV, PASSWORD_ENV, CREDENTIALS_FILE_ENV = (
    "REPLIFOLD_MONGO_USERNAME",
    "REPLIFOLD_MONGO_PASSWORD",
    "REPLIFOLD_MONGO_CREDENTIALS",
)


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str = field(repr=False)


@dataclass(frozen=True)
class MongoSettings:
    host: str
    port: int
    name: str
    workers: int

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}/{self.name}"

    @classmethod
    def from_runcard(cls, runcard: Mapping[str, Any]) -> MongoSettings:
        section = runcard.get("hyperopt") or {}
        if section.get("engine", "files") != "mongo":
            raise RuncardError(
                ("hyperopt", "engine"),
                "this verb belongs to the MongoDB engine",
                found=section.get("engine", "files"),
                suggestion="set hyperopt.engine: mongo, or run the files engine's suggest/train-fold/reduce/collect",
            )
        db = section.get("db") or {}
        host = str(db.get("host", DEFAULT_HOST))
        if len(host) > 253 or not HOST.fullmatch(host):
            # The value is not shown: it may hold a password.
            raise RuncardError(
                ("hyperopt", "db", "host"),
                "not a host name or address (a URI, '@' or '/' is not accepted; the value is not shown since it "
                "may hold credentials)",
                allowed="a host name or IP address, e.g. 127.0.0.1 or mongo.example.org; set the port in "
                "hyperopt.db.port and log in through REPLIFOLD_MONGO_USERNAME/REPLIFOLD_MONGO_PASSWORD",
            )
        return cls(
            host=host,
            port=int(db.get("port", DEFAULT_PORT)),
            name=str(db.get("name", DEFAULT_NAME)),
            workers=int(section.get("workers", 1)),
        )


def credentials(environ: Mapping[str, str] = os.environ) -> Credentials | None:
    """The login from the environment or the credentials file, or ``None`` for a server without auth."""
    username, password = environ.get(USERNAME_ENV), environ.get(PASSWORD_ENV)
    if username or password:
        if not (username and password):
            raise UserError(f"set both {USERNAME_ENV} and {PASSWORD_ENV}, or neither")
        return Credentials(username, password)
    path = environ.get(CREDENTIALS_FILE_ENV)
    if not path:
        return None
    try:
        mode = Path(path).stat().st_mode
        line = Path(path).read_text(encoding="utf-8").strip()
    except OSError as error:
        raise UserError(
            f"{CREDENTIALS_FILE_ENV}={path}: cannot read it ({error.strerror})"
        ) from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        log.warning(f"{CREDENTIALS_FILE_ENV}={path} can be read by other users: chmod 600 {path}")
    username, sep, password = line.partition(":")
    if not (sep and username and password):
        raise UserError(f"{CREDENTIALS_FILE_ENV}={path}: expected one line 'username:password'")
    return Credentials(username, password)
