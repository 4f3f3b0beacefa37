"""Reading an LHAPDF6 set back: the ``.info`` metadata and every member's grid.

Used by the report and ``replifold compare``, which draw sets at scales between the knots
(``replifold.lhapdf.interpolation``); the set's own physics checks in the tests read it with
an independent reader (pdfflow) instead.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import yaml

from replifold.errors import UserError
from replifold.lhapdf.grid import Block, LhapdfSet


def parse_info(text: str, source: str = "<info>") -> dict:
    info = yaml.safe_load(text)
    if not isinstance(info, dict) or "NumMembers" not in info:
        raise UserError(f"{source} is not an LHAPDF .info file (no NumMembers)")
    return info


def read_info(path: str | os.PathLike) -> dict:
    path = Path(path)
    if not path.is_file():
        raise UserError(f"no LHAPDF info file {path}")
    return parse_info(path.read_text(encoding="utf-8"), str(path))


def parse_member(
    text: str, source: str = "<member>"
) -> tuple[dict, np.ndarray, tuple[int, ...], list[tuple[np.ndarray, np.ndarray]]]:
    """(header, x knots, flavours, [(Q knots, x f (nx, nq, npids)) per block]) of a ``.dat`` text."""
    sections = text.split("\n---")
    header = yaml.safe_load(sections[0]) or {}
    if header.get("Format") != "lhagrid1":
        raise UserError(f"{source}: not an lhagrid1 member (Format: {header.get('Format')!r})")
    x = pids = None
    blocks = []
    for section in sections[1:]:
        lines = section.strip("\n").split("\n")
        if not lines or not lines[0].strip():
            continue
        block_x = np.array(lines[0].split(), dtype=np.float64)
        q = np.array(lines[1].split(), dtype=np.float64)
        block_pids = tuple(int(p) for p in lines[2].split())
        if x is None:
            x, pids = block_x, block_pids
        elif not np.array_equal(block_x, x) or block_pids != pids:
            raise UserError(
                f"{source}: blocks with different x knots or flavours are not supported"
            )
        values = np.array(" ".join(lines[3:]).split(), dtype=np.float64)
        if values.size != x.size * q.size * len(pids):
            raise UserError(
                f"{source}: a block has {values.size} values for {x.size} x, {q.size} Q and {len(pids)} flavours"
            )
        blocks.append((q, values.reshape(x.size, q.size, len(pids))))
    if not blocks:
        raise UserError(f"{source}: no grid blocks")
    return header, x, pids, blocks


def member_name(name: str, member: int) -> str:
    return f"{name}_{member:04d}.dat"


def set_from_texts(name: str, info: dict, member_texts: Sequence[tuple[str, str]]) -> LhapdfSet:
    """The set from its parsed info and each member's (source, text), members in order."""
    members = [parse_member(text, source) for source, text in member_texts]
    _, x, pids, first_blocks = members[0]
    for source, member in zip((s for s, _ in member_texts), members):
        if (
            not np.array_equal(member[1], x)
            or member[2] != pids
            or len(member[3]) != len(first_blocks)
            or any(not np.array_equal(q, q0) for (q, _), (q0, _) in zip(member[3], first_blocks))
        ):
            raise UserError(
                f"{source}: its grid differs from member 0's; members of a set share their knots"
            )
    blocks = tuple(
        Block(q, np.stack([m[3][b][1] for m in members])) for b, (q, _) in enumerate(first_blocks)
    )
    from_replica = tuple(
        int(m[0].get("FromMCReplica", k)) for k, m in enumerate(members[1:], start=1)
    )
    return LhapdfSet(name, x, pids, blocks, from_replica, info)


def read_set(directory: str | os.PathLike) -> LhapdfSet:
    """The set in ``directory`` (named after the folder, as LHAPDF expects)."""
    directory = Path(directory)
    name = directory.name
    info = read_info(directory / f"{name}.info")
    texts = []
    for member in range(int(info["NumMembers"])):
        path = directory / member_name(name, member)
        if not path.is_file():
            raise UserError(
                f"{directory}: NumMembers is {info['NumMembers']} but {path.name} is missing"
            )
        texts.append((str(path), path.read_text(encoding="utf-8")))
    return set_from_texts(name, info, texts)
