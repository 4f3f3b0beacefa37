"""The MongoDB engine's parts that need no server: settings, credentials, archives, server command."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from mongo_helpers import tiny_card
from replifold.cli import main
from replifold.errors import RuncardError, UserError
from replifold.hyperopt.mongo.dump import _tar_bytes, safe_extract
from replifold.hyperopt.mongo.server import server_command
from replifold.hyperopt.mongo.settings import MongoSettings, credentials


def test_settings_default_to_loopback_and_need_the_mongo_engine(quick_runcard):
    quick_runcard["hyperopt"]["engine"] = "mongo"
    settings = MongoSettings.from_runcard(quick_runcard)
    assert (settings.host, settings.port, settings.name, settings.workers) == ("127.0.0.1", 27017, "replifold", 1)
    quick_runcard["hyperopt"]["engine"] = "files"
    with pytest.raises(RuncardError, match="hyperopt.engine"):
        MongoSettings.from_runcard(quick_runcard)


def test_the_runcard_refuses_credentials(write_runcard, tmp_path, capsys):
    card = tiny_card(27017)
    card["hyperopt"]["db"]["password"] = "secret"
    assert main(["setup", str(write_runcard(card)), "-o", str(tmp_path / "fit")]) == 2
    assert "password" in capsys.readouterr().err


def test_credentials_come_from_the_environment_or_a_file(tmp_path):
    assert credentials({}) is None
    login = credentials({"REPLIFOLD_MONGO_USERNAME": "ann", "REPLIFOLD_MONGO_PASSWORD": "s3cret"})
    assert (login.username, login.password) == ("ann", "s3cret") and "s3cret" not in repr(login)
    path = tmp_path / "login"
    path.write_text("bob:pa:ss\n", encoding="utf-8")
    login = credentials({"REPLIFOLD_MONGO_CREDENTIALS": str(path)})
    assert (login.username, login.password) == ("bob", "pa:ss")
    with pytest.raises(UserError, match="REPLIFOLD_MONGO_PASSWORD"):
        credentials({"REPLIFOLD_MONGO_USERNAME": "ann"})
    path.write_text("no-separator", encoding="utf-8")
    with pytest.raises(UserError, match="username:password"):
        credentials({"REPLIFOLD_MONGO_CREDENTIALS": str(path)})


def test_server_command_binds_the_configured_host(monkeypatch, tmp_path):
    settings = MongoSettings("127.0.0.1", 4321, "db", 1)
    monkeypatch.setenv("REPLIFOLD_MONGOD", "python --host {host} --port {port} --path {dbpath}")
    assert server_command(settings, tmp_path)[1:] == ["--host", "127.0.0.1", "--port", "4321", "--path", str(tmp_path)]
    monkeypatch.setenv("REPLIFOLD_MONGOD", "surely-not-a-mongod-binary --port {port}")
    with pytest.raises(UserError, match="not on PATH"):
        server_command(settings, tmp_path)


def test_archives_are_deterministic():
    members = {"fit/jobs.json": b"[]", "fit/other": b"x"}
    assert _tar_bytes(members) == _tar_bytes(dict(reversed(members.items())))


def _tarball(path: Path, member: tarfile.TarInfo, data: bytes = b"") -> Path:
    with tarfile.open(path, "w:gz") as tar:
        tar.addfile(member, io.BytesIO(data) if member.isfile() else None)
    return path


@pytest.mark.parametrize(
    "name, kind",
    [("../escape.json", tarfile.REGTYPE), ("/etc/escape.json", tarfile.REGTYPE), ("link", tarfile.SYMTYPE)],
)
def test_extraction_refuses_members_outside_the_target(tmp_path, name, kind):
    member = tarfile.TarInfo(name)
    member.type = kind
    member.size = 0
    if kind == tarfile.SYMTYPE:
        member.linkname = "../../outside"
    archive = _tarball(tmp_path / "evil.tar.gz", member)
    with pytest.raises(UserError, match="refusing member"):
        safe_extract(archive, tmp_path / "target")
    assert not (tmp_path / "target").exists() and not (tmp_path / "escape.json").exists()


def test_extraction_keeps_plain_members(tmp_path):
    archive = tmp_path / "ok.tar.gz"
    archive.write_bytes(_tar_bytes({"fit/jobs.json": b"[]"}))
    assert safe_extract(archive, tmp_path / "target") == [(tmp_path / "target" / "fit" / "jobs.json").resolve()]
