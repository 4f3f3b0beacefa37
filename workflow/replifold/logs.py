"""Console output through the standard library's logging, so that ``-v``/``-q`` reach every module.

Every module logs to ``logging.getLogger(__name__)`` under the ``replifold`` logger; the CLI
attaches one handler to stderr (where Snakemake's ``log:`` redirection collects it) at the level
the user asked for. Nothing logged is part of a reproducible output.
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

LEVELS = {-2: logging.ERROR, -1: logging.WARNING, 0: logging.INFO, 1: logging.DEBUG}


class _Formatter(logging.Formatter):
    """Plain messages for information; warnings and errors say what they are."""

    def format(self, record: logging.LogRecord) -> str:
        message = super().format(record)
        if record.levelno >= logging.WARNING:
            return f"{record.levelname.lower()}: {message}"
        return message


def configure(verbosity: int = 0, stream: TextIO | None = None) -> None:
    """``verbosity``: -2 errors only, -1 warnings, 0 information (default), 1 and more debug."""
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(_Formatter("%(message)s"))
    root = logging.getLogger("replifold")
    root.handlers[:] = [handler]
    root.setLevel(LEVELS[max(-2, min(1, verbosity))])
    root.propagate = False


def forward(name: str, level: int = logging.INFO) -> None:
    """Send a library's own logger (eko's progress per evolution segment) through replifold's handler."""
    library = logging.getLogger(name)
    library.handlers[:] = list(logging.getLogger("replifold").handlers)
    library.setLevel(level)
    library.propagate = False
