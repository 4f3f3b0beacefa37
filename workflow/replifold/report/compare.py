"""Two fits on the same plots: their LHAPDF sets read from fit folders, set folders or archives.

The comparison is made on the evolved sets, so fits with different Q0, x-grids or theories are
compared where a physicist would use them: at common scales (the larger of the two Q0, then
10 and 100 GeV), through LHAPDF's interpolation.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from replifold.errors import UserError
from replifold.layout import FitLayout
from replifold.lhapdf.grid import LhapdfSet
from replifold.lhapdf.reader import member_name, parse_info, read_set, set_from_texts
from replifold.report import evolved
from replifold.report.html import image, page, paragraph, section, table

SUMMARY_NAME = "evolution.json"  # replifold.layout's evolution_json, beside the set
COMMON_SCALES = (10.0, 100.0)


@dataclass(frozen=True, eq=False)
class ComparedFit:
    label: str
    source: Path
    lhapdf_set: LhapdfSet
    summary: dict[str, Any] | None  # evolution.json, when the fit has it


def _from_folder(path: Path) -> ComparedFit:
    from replifold.io import read_json

    name = path.resolve().name
    if (path / f"{name}.info").is_file():  # a set folder
        summary = path.parent / SUMMARY_NAME
        return ComparedFit(
            name, path, read_set(path), read_json(summary) if summary.is_file() else None
        )
    layout = FitLayout(path.resolve())
    set_dir = layout.lhapdf_set
    if not (set_dir / f"{name}.info").is_file():
        raise UserError(
            f"{path} has no LHAPDF set ({set_dir} is missing); run 'replifold evolve {path}' first"
        )
    summary = layout.evolution_json
    return ComparedFit(
        name, path, read_set(set_dir), read_json(summary) if summary.is_file() else None
    )


def _from_archive(path: Path) -> ComparedFit:
    """The set inside a fit archive (members ``<fit>/lhapdf/<fit>/...``), read without unpacking,
    through the safe reader every archive goes through (replifold.tarballs)."""
    import json

    from replifold.tarballs import read_tarball

    tarball = read_tarball(path)
    files = {PurePosixPath(name): content for name, content in tarball.files.items()}
    infos = [
        p for p in files if len(p.parts) == 4 and p.parts[1] == "lhapdf" and p.suffix == ".info"
    ]
    if not infos:
        raise UserError(
            f"{path} holds no LHAPDF set (no <fit>/lhapdf/<fit>/<fit>.info); archive a fit that ran 'replifold evolve'"
        )

    def text(member: PurePosixPath) -> str:
        if member not in files:
            raise UserError(f"{path}: member {member} is missing")
        try:
            return files[member].decode("utf-8")
        except UnicodeDecodeError:
            raise UserError(f"{path}: member {member} is not UTF-8 text") from None

    info_path = infos[0]
    name = info_path.stem
    info = parse_info(text(info_path), f"{path}:{info_path}")
    members = [
        (
            f"{path}:{info_path.parent / member_name(name, m)}",
            text(info_path.parent / member_name(name, m)),
        )
        for m in range(int(info["NumMembers"]))
    ]
    summary_path = info_path.parent.parent / SUMMARY_NAME
    summary = json.loads(text(summary_path)) if summary_path in files else None
    return ComparedFit(name, path, set_from_texts(name, info, members), summary)


def load_compared(path: Path) -> ComparedFit:
    """A fit folder, an LHAPDF set folder or a fit archive (``.tar.gz``)."""
    if path.is_dir():
        return _from_folder(path)
    if path.is_file() and path.name.endswith((".tar.gz", ".tgz")):
        return _from_archive(path)
    raise UserError(
        f"{path} is neither a fit folder, an LHAPDF set folder nor a fit archive (.tar.gz)"
    )


def comparison_scales(fits: tuple[ComparedFit, ComparedFit]) -> list[float]:
    low = max(float(f.lhapdf_set.blocks[0].q[0]) for f in fits)
    high = min(float(f.lhapdf_set.blocks[-1].q[-1]) for f in fits)
    return [low, *(q for q in COMMON_SCALES if low < q <= high)]


def _labels(a: ComparedFit, b: ComparedFit) -> tuple[str, str]:
    return (a.label, b.label) if a.label != b.label else (f"A: {a.label}", f"B: {b.label}")


def _overview(fits: tuple[ComparedFit, ComparedFit], labels: tuple[str, str]) -> str:
    def theory(fit: ComparedFit) -> str:
        return fit.summary["theory"]["description"] if fit.summary else "–"

    rows = [
        ["source", *(str(f.source) for f in fits)],
        ["replicas", *(f.lhapdf_set.members - 1 for f in fits)],
        ["theory", *(theory(f) for f in fits)],
        [
            "x knots",
            *(
                f"{f.lhapdf_set.x.size} in [{f.lhapdf_set.x[0]:.3g}, {f.lhapdf_set.x[-1]:g}]"
                for f in fits
            ),
        ],
        [
            "Q knots",
            *(
                f"{f.lhapdf_set.q_knots.size} in [{f.lhapdf_set.q_knots[0]:.4g}, {f.lhapdf_set.q_knots[-1]:.4g}] GeV"
                for f in fits
            ),
        ],
        ["alpha_s(MZ)", *(f.lhapdf_set.info.get("AlphaS_MZ", "–") for f in fits)],
    ]
    return table(["", *labels], rows)


def compare_page(a: ComparedFit, b: ComparedFit) -> tuple[str, dict[str, bytes]]:
    """The HTML page and its figures (file stem -> PNG)."""
    labels = _labels(a, b)
    pngs: dict[str, bytes] = {}
    parts = [section("The two fits", _overview((a, b), labels))]
    figures = []
    for q in comparison_scales((a, b)):
        stem = f"compare_q{q:g}".replace(".", "p")
        pngs[stem] = evolved.band_figure([(labels[0], a.lhapdf_set), (labels[1], b.lhapdf_set)], q)
        figures.append(image(pngs[stem], f"both fits at Q = {q:g} GeV"))
    parts.append(
        section(
            "PDFs",
            *figures,
            paragraph(
                "Lines: member 0 (the replicas' mean); bands: the replicas' mean ± 1σ; "
                "values from LHAPDF's log-bicubic interpolation of each set.",
                note=True,
            ),
        )
    )
    for fit, label in zip((a, b), labels):
        if fit.summary:
            parts.append(section(f"Sum rules of {label}", evolved.sum_rule_table(fit.summary)))
    return page(f"replifold compare: {labels[0]} vs {labels[1]}", parts), pngs
