"""A fit directory's MongoDB scan: its context, database settings, ``exp_key`` and server files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from replifold.hyperopt.context import ScanContext
from replifold.hyperopt.engines.mongo.engine import MongoEngine
from replifold.hyperopt.engines.mongo.jobs import ScanJobs, scan_jobs
from replifold.hyperopt.engines.mongo.settings import MongoSettings


@dataclass(frozen=True)
class MongoScan:
    ctx: ScanContext
    settings: MongoSettings

    @classmethod
    def load(cls, fit_dir: Path) -> MongoScan:
        ctx = ScanContext.load(fit_dir)
        return cls(ctx, MongoSettings.from_runcard(ctx.runcard))

    @property
    def exp_key(self) -> str:
        """The fit's name: one database holds the scans of many fits apart."""
        return self.ctx.layout.root.resolve().name

    @property
    def dbpath(self) -> Path:
        return self.ctx.layout.mongodb_dir

    @property
    def server_log(self) -> Path:
        return self.ctx.layout.mongod_log

    def jobs(self, timeout_s: float = 5.0) -> ScanJobs:
        return scan_jobs(self.settings, self.exp_key, timeout_s)

    def engine(self, timeout_s: float = 5.0) -> MongoEngine:
        return MongoEngine(self.ctx, self.jobs(timeout_s))
