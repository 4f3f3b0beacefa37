"""LHAPDF6 sets written by replifold: format, members, metadata, read-back, install, compare.

The set here is made of known smooth functions rather than an evolved fit (that is
test_evolution.py's job, in the theory suite), so every value is known exactly. The set is read
back by pdfflow, an LHAPDF6 reader that shares no code with replifold, and by replifold's own
reader, which the report and 'replifold compare' use.
"""

from __future__ import annotations

import io
import shutil
import tarfile

import numpy as np
import pytest
import yaml

from replifold.cli import main
from replifold.errors import UserError
from replifold.lhapdf.grid import LhapdfSet, replica_set
from replifold.lhapdf.install import install_set
from replifold.lhapdf.interpolation import at_scale, interpolate
from replifold.lhapdf.metadata import QcdMetadata, set_flavours, set_info
from replifold.lhapdf.reader import parse_member, read_set
from replifold.lhapdf.writer import info_text, member_text, write_set

NAME = "toyset"
X = np.concatenate([np.geomspace(1e-9, 0.1, 40, endpoint=False), np.linspace(0.1, 1.0, 25)])
Q_BLOCKS = [np.geomspace(1.65, 4.92, 6), np.geomspace(4.92, 1.0e5, 14)]
NF_OF_BLOCK = (4, 5)
PIDS = set_flavours(5)
REPLICAS = (3, 8, 11)  # fit replica numbers: members 1, 2, 3
# Keys LHAPDF reads from a set's .info (GridPDF, AlphaS ipol, PDFSet's error handling).
LHAPDF_KEYS = {
    "SetDesc",
    "Format",
    "DataVersion",
    "NumMembers",
    "Particle",
    "Flavors",
    "OrderQCD",
    "FlavorScheme",
    "NumFlavors",
    "ErrorType",
    "XMin",
    "XMax",
    "QMin",
    "QMax",
    "MZ",
    "MCharm",
    "MBottom",
    "MTop",
    "AlphaS_MZ",
    "AlphaS_OrderQCD",
    "AlphaS_Type",
    "AlphaS_Qs",
    "AlphaS_Vals",
}


def toy_xf(x: np.ndarray, q: np.ndarray, pid: int, replica: int, nf: int) -> np.ndarray:
    """Smooth, PDF-like x f: power laws in x, logarithmic in Q; heavy flavours vanish below their threshold."""
    if pid != 21 and abs(pid) > nf:
        return np.zeros(np.broadcast(x, q).shape)
    scale = 1.0 + 0.05 * replica + 0.01 * pid
    return scale * x ** (0.2 + 0.01 * abs(pid)) * (1.0 - x) ** 3 * np.log(q * q / 0.0625) ** 0.3


def toy_alphas(q: np.ndarray) -> np.ndarray:
    return 1.0 / (0.6 + 1.2 * np.log(q))


def _replica_grids() -> list[np.ndarray]:
    grids = []
    for q, nf in zip(Q_BLOCKS, NF_OF_BLOCK):
        xx, qq = np.meshgrid(X, q, indexing="ij")
        grids.append(
            np.array([[toy_xf(xx, qq, p, r, nf) for p in PIDS] for r in REPLICAS]).transpose(
                0, 2, 3, 1
            )
        )
    return grids


def make_set() -> LhapdfSet:
    knots = np.concatenate(Q_BLOCKS)
    qcd = QcdMetadata(
        1, 91.2, 0.118, (1.51, 4.92, 172.5), 5, "variable", tuple(knots), tuple(toy_alphas(knots))
    )
    info = set_info("toy set", X, knots, PIDS, len(REPLICAS) + 1, qcd)
    return replica_set(NAME, X, PIDS, Q_BLOCKS, _replica_grids(), REPLICAS, info)


@pytest.fixture(scope="module")
def toy_set() -> LhapdfSet:
    return make_set()


@pytest.fixture(scope="module")
def written(tmp_path_factory, toy_set):
    return write_set(toy_set, tmp_path_factory.mktemp("sets") / NAME)


def test_info_has_every_key_lhapdf_needs_with_the_right_types(written, toy_set):
    info = yaml.safe_load((written / f"{NAME}.info").read_text())
    assert LHAPDF_KEYS <= set(info)
    assert (
        info["Format"] == "lhagrid1"
        and info["ErrorType"] == "replicas"
        and info["AlphaS_Type"] == "ipol"
    )
    assert info["NumMembers"] == 4 and info["Flavors"] == [-5, -4, -3, -2, -1, 21, 1, 2, 3, 4, 5]
    assert (
        info["XMin"] == 1e-9
        and info["XMax"] == 1.0
        and info["QMin"] == 1.65
        and info["QMax"] == 1.0e5
    )
    assert all(
        isinstance(info[k], float) for k in ("XMin", "XMax", "QMin", "QMax", "MZ", "AlphaS_MZ")
    )
    assert info["AlphaS_Qs"] == list(np.concatenate(Q_BLOCKS))  # thresholds twice, knots exact
    assert info["AlphaS_Qs"].count(4.92) == 2 and len(info["AlphaS_Vals"]) == len(info["AlphaS_Qs"])


def test_member_files_follow_lhagrid1(written):
    text = (written / f"{NAME}_0002.dat").read_text()
    header, blocks = text.split("---\n", 1)
    assert header == "PdfType: replica\nFormat: lhagrid1\nFromMCReplica: 8\n"
    assert text.endswith("---\n") and text.count("---\n") == 1 + len(Q_BLOCKS)
    first = blocks.split("---\n")[0].splitlines()
    assert np.array_equal(np.array(first[0].split(), dtype=float), X)  # knots read back bit for bit
    assert np.array_equal(np.array(first[1].split(), dtype=float), Q_BLOCKS[0])
    assert [int(p) for p in first[2].split()] == list(PIDS)
    rows = np.array([line.split() for line in first[3:]], dtype=float)
    assert rows.shape == (X.size * Q_BLOCKS[0].size, len(PIDS))
    # x is the outer loop, Q the inner one: row 1 is (x_0, Q_1), row nq is (x_1, Q_0)
    gluon = PIDS.index(21)
    for row, (ix, iq) in {1: (0, 1), Q_BLOCKS[0].size: (1, 0)}.items():
        assert rows[row, gluon] == pytest.approx(toy_xf(X[ix], Q_BLOCKS[0][iq], 21, 8, 4), rel=1e-8)
    assert (
        (written / f"{NAME}_0000.dat")
        .read_text()
        .startswith("PdfType: central\nFormat: lhagrid1\n---\n")
    )


def test_member_zero_is_the_replica_mean_and_replicas_keep_their_numbers(written):
    back = read_set(written)
    assert back.members == 4 and back.from_replica == REPLICAS
    for block, q, nf in zip(back.blocks, Q_BLOCKS, NF_OF_BLOCK):
        np.testing.assert_allclose(block.xf[0], block.xf[1:].mean(axis=0), rtol=1e-8, atol=1e-300)
        xx, qq = np.meshgrid(X, q, indexing="ij")
        for member, replica in enumerate(REPLICAS, start=1):
            expected = np.stack([toy_xf(xx, qq, p, replica, nf) for p in PIDS], axis=-1)
            np.testing.assert_allclose(block.xf[member], expected, rtol=1e-8, atol=0)


def test_writing_is_deterministic_and_leaves_no_stale_member(tmp_path, toy_set, written):
    target = tmp_path / NAME
    bigger = replica_set(
        NAME,
        X,
        PIDS,
        Q_BLOCKS,
        [np.concatenate([g, g]) for g in _replica_grids()],
        REPLICAS * 2,
        toy_set.info,
    )
    write_set(bigger, target)
    assert (target / f"{NAME}_0006.dat").is_file()
    write_set(toy_set, target)
    assert sorted(p.name for p in target.iterdir()) == sorted(p.name for p in written.iterdir())
    for path in written.iterdir():
        assert (target / path.name).read_bytes() == path.read_bytes()


def test_bad_sets_are_refused(toy_set):
    grids = _replica_grids()
    grids[1][0, 3, 2, 1] = np.nan
    broken = replica_set(NAME, X, PIDS, Q_BLOCKS, grids, REPLICAS, toy_set.info)
    with pytest.raises(ValueError, match="non-finite"):
        member_text(broken, 1)
    with pytest.raises(ValueError, match="shape"):
        LhapdfSet(NAME, X, PIDS, (toy_set.blocks[0],), REPLICAS[:2], {})
    with pytest.raises(ValueError, match="ascending"):
        LhapdfSet(NAME, X[::-1], PIDS, toy_set.blocks, REPLICAS, {})
    with pytest.raises(ValueError, match="at least one replica"):
        replica_set(NAME, X, PIDS, Q_BLOCKS, grids, (), {})
    with pytest.raises(ValueError, match="non-finite"):
        info_text({"XMin": float("inf")})


def test_reader_refuses_what_is_not_a_set(tmp_path, written):
    with pytest.raises(UserError, match="not an lhagrid1 member"):
        parse_member("PdfType: central\nFormat: lhagrid2\n---\n")
    broken = tmp_path / NAME
    broken.mkdir()
    (broken / f"{NAME}.info").write_bytes((written / f"{NAME}.info").read_bytes())
    (broken / f"{NAME}_0000.dat").write_bytes((written / f"{NAME}_0000.dat").read_bytes())
    with pytest.raises(UserError, match=f"{NAME}_0001.dat is missing"):
        read_set(broken)


def test_interpolation_outside_the_grid_is_an_error(toy_set):
    with pytest.raises(UserError, match="Q outside"):
        interpolate(toy_set, [0.1], [1.0])
    with pytest.raises(UserError, match="x outside"):
        interpolate(toy_set, [1e-10], [10.0])


# --- read-back by an independent reader ---------------------------------------------------------


@pytest.fixture(scope="module")
def pdfflow_set(written):
    pdfflow = pytest.importorskip("pdfflow")
    return pdfflow.mkPDFs(NAME, list(range(4)), dirname=str(written.parent))


def _random_points(seed: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return np.exp(rng.uniform(np.log(1e-9), np.log(0.99), n)), np.exp(
        rng.uniform(np.log(1.65), np.log(1e5), n)
    )


def test_pdfflow_reads_the_knots_back_exactly(pdfflow_set, toy_set):
    for block, _nf in zip(toy_set.blocks, NF_OF_BLOCK):
        iq = np.arange(
            1, block.q.size - 1
        )  # inside the block: an edge belongs to the block above it
        xx, qq = np.meshgrid(X[::7], block.q[iq], indexing="ij")
        values = np.asarray(
            pdfflow_set.py_xfxQ2(list(PIDS), xx.ravel(), qq.ravel() ** 2)
        )  # (members, points, pids)
        expected = block.xf[:, ::7][:, :, iq].reshape(4, -1, len(PIDS))
        np.testing.assert_allclose(values, expected, rtol=1e-8, atol=1e-14)


def test_pdfflow_and_replifold_interpolate_alike_and_within_tolerance(pdfflow_set, written):
    x, q = _random_points(5, 400)
    theirs = np.asarray(pdfflow_set.py_xfxQ2(list(PIDS), x, q**2))
    ours = interpolate(read_set(written), x, q)
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-14)
    # both within the interpolation error of this coarse grid (65 x, 20 Q knots) of the functions it was
    # made from: the largest errors are at the join of the log and linear x knots and near x = 1
    nf = np.where(q < 4.92, 4, 5)
    exact = np.stack(
        [
            np.stack([toy_xf(x, q, p, r, 5) * ((abs(p) <= nf) | (p == 21)) for p in PIDS], axis=-1)
            for r in REPLICAS
        ]
    )
    mean = exact.mean(axis=0, keepdims=True)
    np.testing.assert_allclose(theirs, np.concatenate([mean, exact]), rtol=1e-2, atol=3e-3)


def test_pdfflow_alpha_s_is_the_info_files(pdfflow_set, toy_set):
    q = np.concatenate([Q_BLOCKS[0][1:-1], Q_BLOCKS[1][1:-1]])
    np.testing.assert_allclose(np.asarray(pdfflow_set.py_alphasQ2(q**2)), toy_alphas(q), rtol=1e-12)


def test_at_scale_is_interpolate_on_a_line(toy_set):
    x = np.geomspace(1e-5, 0.9, 7)
    np.testing.assert_array_equal(
        at_scale(toy_set, x, 10.0), interpolate(toy_set, x, np.full(7, 10.0)).transpose(0, 2, 1)
    )


# --- install and compare ---------------------------------------------------------------------------


def test_install_into_a_data_path(tmp_path, written, monkeypatch):
    monkeypatch.setenv("LHAPDF_DATA_PATH", f"{tmp_path / 'first'}:{tmp_path / 'second'}")
    assert main(["install-lhapdf", str(written)]) == 0
    installed = tmp_path / "first" / NAME
    assert sorted(p.name for p in installed.iterdir()) == sorted(p.name for p in written.iterdir())
    assert read_set(installed).from_replica == REPLICAS
    assert main(["install-lhapdf", str(written)]) == 2  # exists: refused without --force
    (installed / f"{NAME}_0001.dat").write_text("changed")
    assert main(["install-lhapdf", str(written), "--force", "--path", str(tmp_path / "first")]) == 0
    assert (installed / f"{NAME}_0001.dat").read_bytes() == (
        written / f"{NAME}_0001.dat"
    ).read_bytes()
    assert not [p for p in (tmp_path / "first").iterdir() if p.name.startswith(".")]


def test_install_errors_name_the_fix(tmp_path, written, monkeypatch, capsys):
    monkeypatch.delenv("LHAPDF_DATA_PATH", raising=False)
    assert main(["install-lhapdf", str(written)]) == 2
    assert "pass --path DIR" in capsys.readouterr().err
    incomplete = tmp_path / NAME
    incomplete.mkdir()
    (incomplete / f"{NAME}.info").write_bytes((written / f"{NAME}.info").read_bytes())
    with pytest.raises(UserError, match="not a complete LHAPDF set"):
        install_set(incomplete, tmp_path / "data")
    with pytest.raises(UserError, match="not a folder"):
        install_set(tmp_path / "nothing", tmp_path / "data")


def _archive(path, written, fit: str) -> None:
    """A fit archive as 'replifold archive' lays it out: <fit>/lhapdf/<fit>/..."""
    with tarfile.open(path, "w:gz") as tar:
        for member in sorted(written.iterdir()):
            data = (
                member.read_bytes().replace(NAME.encode(), fit.encode())
                if member.suffix == ".info"
                else member.read_bytes()
            )
            info = tarfile.TarInfo(f"{fit}/lhapdf/{fit}/{member.name.replace(NAME, fit)}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def test_compare_a_set_folder_with_an_archive(tmp_path, written):
    _archive(tmp_path / "other.tar.gz", written, "other")
    out = tmp_path / "comparison"
    assert main(["compare", str(written), str(tmp_path / "other.tar.gz"), "-o", str(out)]) == 0
    html = (out / "index.html").read_text()
    assert (
        "toyset" in html and "other" in html and html.count("<img") == 3
    )  # Q0 = 1.65, 10 and 100 GeV
    assert sorted(p.name for p in (out / "figures").iterdir()) == sorted(
        ["compare_q1p65.png", "compare_q10.png", "compare_q100.png"]
    )


def test_compare_names_what_is_missing(tmp_path, capsys):
    (tmp_path / "fit").mkdir()
    assert (
        main(["compare", str(tmp_path / "fit"), str(tmp_path / "fit"), "-o", str(tmp_path / "out")])
        == 2
    )
    assert "run 'replifold evolve" in capsys.readouterr().err


def test_the_archive_keeps_the_set_and_its_summary_but_not_timings(tmp_path, written):
    from replifold.archive.members import archived_files
    from replifold.layout import FitLayout

    fit_dir = tmp_path / "fit"
    for name in ("data", "fit", "postfit", "report"):
        (fit_dir / name).mkdir(parents=True)
        (fit_dir / name / "x.json").write_text("{}\n")
    for name in ("runcard.yml", "runcard.sha256"):
        (fit_dir / name).write_text("\n")
    shutil.copytree(written, fit_dir / "lhapdf" / NAME)
    for name in ("evolution.json", "evolution.timing.json"):
        (fit_dir / "lhapdf" / name).write_text("{}\n")
    kept = [f for f in archived_files(FitLayout(fit_dir)) if f.startswith("lhapdf/")]
    assert kept == sorted(
        ["lhapdf/evolution.json", *(f"lhapdf/{NAME}/{p.name}" for p in written.iterdir())]
    )
