"""Errors a user can fix, kept apart from bugs so the CLI can exit with status 2 and a clear message."""

from __future__ import annotations

import difflib
import os
import reprlib
from collections.abc import Iterable, Sequence

USAGE_EXIT_CODE = 2

# Values echoed in messages are cut short: a hostile runcard can hold megabytes in one key.
_SHORT = reprlib.Repr()
_SHORT.maxstring = _SHORT.maxother = 120
_SHORT.maxlist = _SHORT.maxtuple = _SHORT.maxdict = _SHORT.maxset = 10
_SHORT.maxlevel = 3


def short_repr(value: object) -> str:
    return _SHORT.repr(value)


class UserError(Exception):
    """Bad input from the user (runcard, arguments, missing files): reported without a traceback."""

    exit_code = USAGE_EXIT_CODE


def nearest(word: str, choices: Iterable[str]) -> str | None:
    """The closest known spelling of ``word``, so that typos get a 'did you mean' hint."""
    matches = difflib.get_close_matches(str(word)[:200], [str(c) for c in choices], n=1, cutoff=0.6)
    return matches[0] if matches else None


def require_files(paths: Sequence[str | os.PathLike], produced_by: str) -> None:
    """A clear error naming every missing input and the verb that makes it."""
    missing = [str(path) for path in paths if not os.path.isfile(path)]
    if missing:
        shown = "\n  ".join(missing[:10]) + (
            f"\n  ... and {len(missing) - 10} more" if len(missing) > 10 else ""
        )
        raise UserError(f"missing input files (run '{produced_by}' first):\n  {shown}")


def format_key_path(path: Sequence[str | int]) -> str:
    """Render a key path as ``parameters.optimizer.optimizer_name`` or ``kfold.partitions[1]``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            text = str(part)
            out += ("." if out else "") + (text if len(text) <= 60 else text[:57] + "...")
    return out or "<top level>"


class RuncardError(UserError):
    """An invalid runcard: names the key path, what was found, what is allowed and the likely fix."""

    def __init__(
        self,
        path: Sequence[str | int],
        problem: str,
        *,
        found: object = None,
        allowed: str | None = None,
        suggestion: str | None = None,
        source: str | None = None,
    ):
        self.path = tuple(path)
        self.problem = problem
        self.found = found
        self.allowed = allowed
        self.suggestion = suggestion
        self.source = source
        super().__init__(self.render())

    @classmethod
    def unknown(
        cls, path: Sequence[str | int], problem: str, found: object, known: Iterable[str]
    ) -> RuncardError:
        """A value that is none of ``known``: lists them and suggests the nearest spelling."""
        known = [str(k) for k in known]
        return cls(
            path,
            problem,
            found=found,
            allowed=", ".join(known),
            suggestion=nearest(str(found), known),
        )

    def render(self) -> str:
        where = f"{self.source}: " if self.source else ""
        lines = [f"{where}invalid runcard at '{format_key_path(self.path)}': {self.problem}"]
        if self.found is not None:
            lines.append(f"  found: {short_repr(self.found)}")
        if self.allowed:
            lines.append(f"  allowed: {self.allowed}")
        if self.suggestion:
            lines.append(f"  did you mean: {short_repr(self.suggestion)}?")
        return "\n".join(lines)
