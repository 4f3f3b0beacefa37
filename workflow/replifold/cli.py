"""``replifold <verb>``: one subcommand per Snakemake rule, so every step also runs by hand.

Each verb lives in ``replifold.commands.<module>`` with ``configure(parser)`` and
``run(args) -> int``; modules are imported only when their verb runs, so ``replifold setup``
does not pay TensorFlow's start-up.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

# numpy's linear algebra (replica sampling, whitening, chi2) must give the same bits in every
# job, whatever threads Snakemake, SLURM or the shell grant: OpenBLAS splits its sums
# differently with more threads. Set before numpy is first imported; its matrices here are
# small, and TensorFlow sizes its own thread pools (seeding.set_initial_state).
for _blas_threads in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_blas_threads] = "1"

from replifold import __version__, logs  # noqa: E402 (after the BLAS thread settings)
from replifold.errors import UserError  # noqa: E402

VERBS: dict[str, tuple[str, str]] = {
    "setup": (
        "replifold.commands.setup",
        "expand and validate a runcard and generate its problem data (closure test or real data)",
    ),
    "simulate": (
        "replifold.commands.simulate",
        "write the seeded simulation sets of an imnn fit (npy or TFRecords)",
    ),
    "theory-plan": (
        "replifold.commands.theory_plan",
        "plan the theory a real-data runcard needs in the theory cache (--build: compute it)",
    ),
    "theory-grid": (
        "replifold.commands.theory_grid",
        "compute a planned yadism DIS grid of the theory cache",
    ),
    "theory-operator": (
        "replifold.commands.theory_operator",
        "compute a planned eko evolution operator (a group of scales) of the theory cache",
    ),
    "fktable": (
        "replifold.commands.fktable",
        "combine a planned FK table's grid and operators into the FK table",
    ),
    "fit": ("replifold.commands.fit", "train a batch of replicas stacked in one model"),
    "split": ("replifold.commands.split", "split a trained batch into per-replica outputs"),
    "suggest": ("replifold.commands.suggest", "propose the hyperparameters of one hyperopt round"),
    "train-fold": (
        "replifold.commands.train_fold",
        "train one hyperopt trial without one k-fold partition",
    ),
    "reduce": ("replifold.commands.reduce", "combine a trial's folds into its hyper-loss"),
    "collect": (
        "replifold.commands.collect",
        "gather every trial into tries.json, tries.pkl and best.json",
    ),
    "postfit": (
        "replifold.commands.postfit",
        "select replicas as NNPDF's postfit: convergence, integrability, iterated chi2 and arc-length vetoes",
    ),
    "setup-draw": (
        "replifold.commands.setup_draw",
        "set up level-1 draw K of a multi-closure test (closure.level1_draws)",
    ),
    "multiclosure": (
        "replifold.commands.multiclosure",
        "R_bv, xi_1sigma and chi2s with bootstrap errors over a fit's level-1 draws",
    ),
    "evolve": (
        "replifold.commands.evolve",
        "evolve the selected replicas with eko and write the fit's LHAPDF6 set",
    ),
    "report": ("replifold.commands.report", "write the fit's offline HTML report and its figures"),
    "archive": (
        "replifold.commands.archive",
        "pack the reproducible outputs into a deterministic tarball",
    ),
    "plan": (
        "replifold.commands.plan",
        "say what running an edited runcard again would redo, and why",
    ),
    "verify": (
        "replifold.commands.verify",
        "check an archive's manifest and optionally rerun a fold or replica",
    ),
    "mongo-driver": (
        "replifold.commands.mongo_driver",
        "run a MongoDB-engine hyperopt scan: queue trials, propose each from the finished ones",
    ),
    "mongo-worker": (
        "replifold.commands.mongo_worker",
        "evaluate queued MongoDB-engine trials until the scan ends",
    ),
    "mongo-compress": (
        "replifold.commands.mongo_compress",
        "save a MongoDB-engine scan's job documents to a tar.gz",
    ),
    "mongo-extract": (
        "replifold.commands.mongo_extract",
        "load a mongo-compress archive into the scan's database",
    ),
    "install-profile": (
        "replifold.commands.install_profile",
        "install a Snakemake profile (e.g. slurm) for --profile NAME",
    ),
    "install-lhapdf": (
        "replifold.commands.install_lhapdf",
        "install a fit's LHAPDF set into an LHAPDF data path",
    ),
    "compare": (
        "replifold.commands.compare",
        "draw two fits' PDFs (fit folders or archives) on the same plots, as HTML",
    ),
}


def _verbosity_options(parser: argparse.ArgumentParser, default: object) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "-v", "--verbose", action="count", default=default, help="more output (debug messages)"
    )
    group.add_argument(
        "-q",
        "--quiet",
        action="count",
        default=default,
        help="less output (-q warnings, -qq errors)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="replifold", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"replifold {__version__}")
    _verbosity_options(parser, 0)
    # Also accepted after the verb; a verb's own -v/-q replace the ones given before it.
    after_verb = argparse.ArgumentParser(add_help=False)
    _verbosity_options(after_verb, argparse.SUPPRESS)
    subparsers = parser.add_subparsers(dest="verb", metavar="VERB", required=True)
    for verb, (module_name, summary) in VERBS.items():
        sub = subparsers.add_parser(verb, help=summary, description=summary, parents=[after_verb])
        sub.set_defaults(_module=module_name)
        importlib.import_module(module_name).configure(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logs.configure((args.verbose or 0) - (args.quiet or 0))
    try:
        return int(importlib.import_module(args._module).run(args) or 0)
    except UserError as error:
        print(f"replifold {args.verb}: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print(f"replifold {args.verb}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
