"""The report page: sections of tables and embedded PNGs in one self-contained HTML file."""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Mapping, Sequence
from typing import Any

from replifold.report.closure import Estimators

STYLE = """
body { font-family: sans-serif; max-width: 1200px; margin: 2em auto; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; }
th { background: #f0f0f0; }
td.num { text-align: right; font-family: monospace; }
img { max-width: 100%; }
.note { color: #555; font-size: 0.9em; }
"""


def esc(value: Any) -> str:
    return html.escape(str(value))


def number(value: float | None, digits: int = 4) -> str:
    return "–" if value is None or value != value else f"{value:.{digits}g}"


def table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{esc(c)}</td>' if isinstance(c, int | float) else f"<td>{esc(c)}</td>"
            for c in row
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def image(png: bytes, alt: str) -> str:
    return f'<img alt="{esc(alt)}" src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}">'


def section(title: str, *parts: str) -> str:
    return f"<h2>{esc(title)}</h2>\n" + "\n".join(parts)


def paragraph(text: str, note: bool = False) -> str:
    return f'<p class="note">{esc(text)}</p>' if note else f"<p>{esc(text)}</p>"


def closure_table(rows: Sequence[Estimators]) -> str:
    return table(
        ["dataset", "ndata", "χ²/n central", "χ²/n truth", "bias", "variance", "R_bv", "ξ_1σ"],
        [
            [
                r.dataset,
                r.ndata,
                number(r.chi2_central),
                number(r.chi2_truth),
                number(r.bias),
                number(r.variance),
                number(r.ratio),
                number(r.coverage, 3),
            ]
            for r in rows
        ],
    )


def provenance_rows(provenance: Mapping[str, Any]) -> list[list[str]]:
    """One row per entry; per-replica and per-job seeds are summarised (they are in provenance.json)."""
    rows = []
    for key, value in provenance.items():
        if key == "seeds":
            for name, seeds in value.items():
                if name in ("replicas", "train_fold_jobs", "fit_batch_jobs", "level1_draws"):
                    rows.append(
                        [
                            f"seeds.{name}",
                            f"{len(seeds)} entries (see provenance.json in the archive)",
                        ]
                    )
                else:
                    rows.append([f"seeds.{name}", json.dumps(seeds, sort_keys=True)])
        elif isinstance(value, Mapping):
            rows.extend(
                [f"{key}.{k}", json.dumps(v, sort_keys=True) if not isinstance(v, str) else v]
                for k, v in value.items()
            )
        else:
            rows.append(
                [key, value if isinstance(value, str) else json.dumps(value, sort_keys=True)]
            )
    return rows


def page(title: str, sections: Sequence[str]) -> str:
    body = "\n".join(sections)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{esc(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        f"<h1>{esc(title)}</h1>\n{body}\n</body>\n</html>\n"
    )
