"""The ``ember`` command: train, evaluate, predict with and summarise models described by a
TOML config, without writing Python.

    ember train                      # the default: a small CNN on the bundled digits
    ember train my.toml --set train.epochs=5
    ember evaluate runs/<run>
    ember predict runs/<run> --input digit.png
    ember summary my.toml
    ember resume runs/<run>

A bad config or argument prints one paragraph, ``ember: error: ...``, on stderr and exits
with status 2 (other failures: 1; Ctrl-C: 130).

>>> main(["summary", "--set", "train.epoch=3"])
2
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ._errors import CLIError

__all__ = ["main", "CLIError"]

EXAMPLES = """\
examples:
  ember train                                  train the default CNN on the bundled digits
  ember train config.toml                      train what config.toml describes
  ember train config.toml --set train.epochs=5 --name quick
                                               override keys of the config from the command line
  ember evaluate runs/quick                    test metrics of a run's last checkpoint
  ember predict runs/quick --input digit.png   classify an image (or an .npy array)
  ember summary config.toml                    layer table: shapes, parameters, MACs
  ember resume runs/quick                      continue an interrupted run to its epochs

A run folder holds config.resolved.toml, summary.txt, last.ckpt/best.ckpt, metrics.csv,
metrics.json and curves.png. Config reference: docs/cli.md (ember's repository).
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ember", description="Train and use ember models from a TOML config.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"ember {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    raw = argparse.RawDescriptionHelpFormatter

    p = sub.add_parser("train", help="train a model from a config (default: digits CNN)",
                       formatter_class=raw, epilog="example:\n  ember train config.toml "
                       "--set train.epochs=5 --set 'train.optimizer={type=\"sgd\", lr=0.1}'")
    p.add_argument("config", nargs="?", help="TOML (or .yaml/.json) config; omitted: the "
                   "default config")
    _overrides(p)
    p.add_argument("--epochs", type=int, help="same as --set train.epochs=N")
    p.add_argument("--seed", type=int, help="same as --set seed=N")
    p.add_argument("--output", metavar="DIR", help="same as --set output.dir=DIR")
    p.add_argument("--name", help="run folder name (same as --set output.name=NAME)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress output")

    p = sub.add_parser("evaluate", help="test metrics of a trained run", formatter_class=raw,
                       epilog="example:\n  ember evaluate runs/20250101-120000 --json")
    p.add_argument("run", help="a run folder made by 'ember train'")
    _checkpoint(p)
    p.add_argument("--json", action="store_true", help="print the metrics as JSON")

    p = sub.add_parser("predict", help="predict with a trained run", formatter_class=raw,
                       epilog="examples:\n  ember predict runs/quick --input digit.png\n"
                       "  ember predict runs/quick --input batch.npy --top-k 3 --json")
    p.add_argument("run", help="a run folder made by 'ember train'")
    p.add_argument("--input", required=True, metavar="FILE",
                   help="an .npy array (one sample or a batch) or an image file")
    _checkpoint(p)
    p.add_argument("--top-k", type=int, default=1, metavar="K", help="classes to show (1)")
    p.add_argument("--json", action="store_true", help="print the predictions as JSON")
    p.add_argument("--output", metavar="FILE", help="also save the raw outputs (.npy format, "
                   "under exactly this name)")

    p = sub.add_parser("summary", help="print a config's model as a layer table",
                       formatter_class=raw, epilog="example:\n  ember summary config.toml")
    p.add_argument("config", nargs="?", help="config file; omitted: the default config")
    _overrides(p)
    p.add_argument("--json", action="store_true", help="print the summary as JSON")

    p = sub.add_parser("resume", help="continue a run from its last checkpoint",
                       formatter_class=raw, epilog="example:\n  ember resume runs/quick "
                       "--epochs 30")
    p.add_argument("run", help="a run folder made by 'ember train'")
    p.add_argument("--epochs", type=int, help="train to this many epochs in total")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    return parser


def _overrides(p: argparse.ArgumentParser) -> None:
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config key, e.g. train.epochs=5 (TOML value; repeatable)")


def _checkpoint(p: argparse.ArgumentParser) -> None:
    p.add_argument("--checkpoint", default="last", metavar="last|best|PATH",
                   help="which checkpoint to use (default: last)")


def _version() -> str:
    try:
        from importlib.metadata import version
        return version("ember")
    except Exception:
        return "unknown"


def _dispatch(args: argparse.Namespace) -> int:
    from . import commands
    if args.command in ("train", "summary"):
        overrides = list(args.set)
        if args.command == "train":
            for key, value in (("train.epochs", args.epochs), ("seed", args.seed),
                               ("output.dir", args.output), ("output.name", args.name)):
                if value is not None:
                    overrides.append((key, value))
            return commands.train(args.config, overrides, quiet=args.quiet)
        return commands.summary(args.config, overrides, as_json=args.json)
    if args.command == "evaluate":
        return commands.evaluate(args.run, args.checkpoint, as_json=args.json)
    if args.command == "predict":
        if args.top_k < 1:
            raise CLIError(f"--top-k must be >= 1, got {args.top_k}")
        return commands.predict(args.run, args.input, args.checkpoint, top_k=args.top_k,
                                as_json=args.json, output=args.output)
    if args.epochs is not None and args.epochs < 1:
        raise CLIError(f"--epochs must be >= 1, got {args.epochs}")
    return commands.resume(args.run, args.epochs, quiet=args.quiet)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``ember`` command with ``argv`` (default: ``sys.argv[1:]``); returns the
    exit status."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error (already printed)
        return int(exc.code or 0)
    try:
        return _dispatch(args)
    except CLIError as err:
        print(f"ember: error: {err}", file=sys.stderr)
        return err.exit_code
    except ImportError as err:  # an optional dependency is missing; the message names it
        print(f"ember: error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
