"""The MongoDB engine's parts that need no server: settings, credentials, archives, server command."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest
from mongo_helpers import tiny_card

from replifold.cli import main
from replifold.errors import RuncardError, UserError
from replifold.hyperopt.engines.mongo.dump import read_jobs
from replifold.hyperopt.engines.mongo.server import server_command
from replifold.hyperopt.engines.mongo.settings import MongoSettings, credentials
from replifold.tarballs import tarball_bytes


def test_settings_default_to_loopback_and_need_the_mongo_engine(quick_runcard):
    quick_runcard["hyperopt"]["engine"] = "mongo"
    settings = MongoSettings.from_runcard(quick_runcard)
    assert (settings.host, settings.port, settings.name, settings.workers) == (
        "127.0.0.1",
        27017,
        "replifold",
        1,
    )
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
    assert server_command(settings, tmp_path)[1:] == [
        "--host",
        "127.0.0.1",
        "--port",
        "4321",
        "--path",
        str(tmp_path),
    ]
    monkeypatch.setenv("REPLIFOLD_MONGOD", "surely-not-a-mongod-binary --port {port}")
    with pytest.raises(UserError, match="not on PATH"):
        server_command(settings, tmp_path)


def _tarball(path: Path, member: tarfile.TarInfo, data: bytes = b"") -> Path:
    with tarfile.open(path, "w:gz") as tar:
        tar.addfile(member, io.BytesIO(data) if member.isfile() else None)
    return path


@pytest.mark.parametrize(
    "name, kind",
    [
        ("../escape.json", tarfile.REGTYPE),
        ("/etc/escape.json", tarfile.REGTYPE),
        ("fit/link", tarfile.SYMTYPE),
    ],
)
def test_restoring_refuses_members_outside_the_archive(tmp_path, name, kind):
    member = tarfile.TarInfo(name)
    member.type = kind
    member.size = 0
    if kind == tarfile.SYMTYPE:
        member.linkname = "../../outside"
    archive = _tarball(tmp_path / "evil.tar.gz", member)
    with pytest.raises(UserError, match="refused, nothing was extracted"):
        read_jobs(archive)


def test_restoring_reads_the_jobs_of_a_compressed_scan(tmp_path):
    archive = tmp_path / "ok.tar.gz"
    archive.write_bytes(tarball_bytes([("fit/jobs.json", b'[{"tid": 0, "state": 2}]')]))
    assert read_jobs(archive) == [{"tid": 0, "state": 2}]


@pytest.mark.parametrize(
    "content, message",
    [
        (b"[{", "not extended JSON"),
        (b'{"tid": 0}', "not a list of hyperopt job documents"),
        (b'[{"tid": 0}, {"tid": 0}]', "some trial id twice"),
        (b"\xff", "not extended JSON"),
    ],
)
def test_restoring_refuses_what_is_not_a_scan(tmp_path, content, message):
    archive = tmp_path / "bad.tar.gz"
    archive.write_bytes(tarball_bytes([("fit/jobs.json", content)]))
    with pytest.raises(UserError, match=message):
        read_jobs(archive)


@pytest.mark.parametrize(
    "host", ["mongodb://user:secret@db.example.org", "user:secret@db", "db/replifold", "a b"]
)
def test_the_database_host_refuses_uris_without_echoing_them(write_runcard, tmp_path, capsys, host):
    card = tiny_card(27017)
    card["hyperopt"]["db"]["host"] = host
    assert main(["setup", str(write_runcard(card)), "-o", str(tmp_path / "fit")]) == 2
    err = capsys.readouterr().err
    assert "hyperopt.db.host" in err and "secret" not in err and "Traceback" not in err


def test_a_credentials_file_readable_by_others_is_warned_about(tmp_path, caplog):
    path = tmp_path / "login"
    path.write_text("ann:s3cret\n", encoding="utf-8")
    path.chmod(0o644)
    with caplog.at_level("WARNING", logger="replifold"):
        credentials({"REPLIFOLD_MONGO_CREDENTIALS": str(path)})
    assert "chmod 600" in caplog.text and "s3cret" not in caplog.text
    caplog.clear()
    path.chmod(0o600)
    with caplog.at_level("WARNING", logger="replifold"):
        credentials({"REPLIFOLD_MONGO_CREDENTIALS": str(path)})
    assert caplog.text == ""
