"""Command-line interface: ``python -m latentga <command> --help``.

Each command lives in its own module of this package and exposes ``add_parser(subparsers)``
and ``main(args) -> int``. The CLI only parses arguments, calls library functions and
prints; a :class:`latentga.errors.LatentGAError` becomes one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import signal
import sys
import threading

from latentga.errors import LatentGAError

__all__ = ["main", "build_parser", "COMMANDS"]

# One module per command, in the order `--help` lists them. Add a new command here.
COMMANDS = ("run", "simulate", "dataset", "train", "analyze")


def _command_modules():
    modules = []
    for name in COMMANDS:
        try:
            modules.append(importlib.import_module(f"latentga.cli.{name}"))
        except ModuleNotFoundError as exc:  # a command still being written on this branch
            if exc.name != f"latentga.cli.{name}":
                raise
    return modules


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m latentga",
        description="Genetic algorithms with VAE/CCVAE latent-space operators for firebreak "
        "layouts, scored by a Cell2Fire-compatible fire simulator.",
    )
    from latentga import __version__

    parser.add_argument("--version", action="version", version=f"latentga {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="<command>")
    sub.required = True
    for module in _command_modules():
        module.add_parser(sub)
    return parser


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised as an exception so that ``finally`` blocks run: temporary files are
    removed, locks released and worker processes killed, as on Ctrl-C."""


def _terminate(signum, frame):
    raise Terminated()


@contextlib.contextmanager
def _sigterm_as_exception():
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        with _sigterm_as_exception():
            return int(args.func(args) or 0)
    except LatentGAError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Terminated:
        print("terminated", file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
