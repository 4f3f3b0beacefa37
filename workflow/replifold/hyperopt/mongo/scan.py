"""A fit directory's MongoDB scan: its context, database settings, ``exp_key`` and server files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from replifold.hyperopt.context import ScanContext
from replifold.hyperopt.mongo.jobs import ScanJobs, scan_jobs
from replifold.hyperopt.mongo.settings import MongoSettings


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
        return self.ctx.layout.fit_dir.resolve().name

    @property
    def dbpath(self) -> Path:
        return self.ctx.layout.fit_dir / "mongodb"

    @property
    def server_log(self) -> Path:
        return self.ctx.layout.fit_dir / "logs" / "mongod.log"

    def jobs(self, timeout_s: float = 5.0) -> ScanJobs:
        return scan_jobs(self.settings, self.exp_key, timeout_s)
