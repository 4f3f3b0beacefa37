"""``replifold <verb>``: one subcommand per Snakemake rule, so every step also runs by hand.

Each verb lives in ``replifold.commands.<module>`` with ``configure(parser)`` and
``run(args) -> int``; modules are imported only when their verb runs, so ``replifold setup``
does not pay TensorFlow's start-up.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from replifold import __version__
from replifold.errors import UserError

VERBS: dict[str, tuple[str, str]] = {
    "setup": ("replifold.commands.setup", "expand and validate a runcard and generate its closure-test data"),
    "simulate": ("replifold.commands.simulate", "write the seeded simulation sets of an imnn fit (npy or TFRecords)"),
    "fit": ("replifold.commands.fit", "train a batch of replicas stacked in one model"),
    "split": ("replifold.commands.split", "split a trained batch into per-replica outputs"),
    "suggest": ("replifold.commands.suggest", "propose the hyperparameters of one hyperopt round"),
    "train-fold": ("replifold.commands.train_fold", "train one hyperopt trial without one k-fold partition"),
    "reduce": ("replifold.commands.reduce", "combine a trial's folds into its hyper-loss"),
    "collect": ("replifold.commands.collect", "gather every trial into tries.json, tries.pkl and best.json"),
    "postfit": ("replifold.commands.postfit", "select replicas: veto chi2, positivity and arc-length/integrability outliers"),
    "report": ("replifold.commands.report", "write the fit's offline HTML report and its figures"),
    "archive": ("replifold.commands.archive", "pack the reproducible outputs into a deterministic tarball"),
    "verify": ("replifold.commands.verify", "check an archive's manifest and optionally rerun a fold or replica"),
    "mongo-driver": ("replifold.commands.mongo_driver", "run a MongoDB-engine hyperopt scan: queue trials, propose each from the finished ones"),
    "mongo-worker": ("replifold.commands.mongo_worker", "evaluate queued MongoDB-engine trials until the scan ends"),
    "mongo-compress": ("replifold.commands.mongo_compress", "save a MongoDB-engine scan's job documents to a tar.gz"),
    "mongo-extract": ("replifold.commands.mongo_extract", "load a mongo-compress archive into the scan's database"),
    "install-profile": ("replifold.commands.install_profile", "install a Snakemake profile (e.g. slurm) for --profile NAME"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="replifold", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"replifold {__version__}")
    subparsers = parser.add_subparsers(dest="verb", metavar="VERB", required=True)
    for verb, (module_name, summary) in VERBS.items():
        sub = subparsers.add_parser(verb, help=summary, description=summary)
        sub.set_defaults(_module=module_name)
        importlib.import_module(module_name).configure(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
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
