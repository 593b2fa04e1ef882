"""Command-line interface: ``python -m latentga <command> --help``.

Each command lives in its own module of this package and exposes ``add_parser(subparsers)``
and ``main(args) -> int``. The CLI only parses arguments, calls library functions and
prints; a :class:`latentga.errors.LatentGAError` becomes one line on stderr and exit code 2, an
OSError (a full disk, a read-only folder, no permission) one line and exit code 1.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import importlib
import signal
import sys
import threading

from latentga.errors import LatentGAError
from latentga.logs import configure as configure_logging
from latentga.logs import level_for

__all__ = ["main", "build_parser", "COMMANDS", "check_seeds", "os_error_line"]

# One module per command, in the order `--help` lists them. Add a new command here.
COMMANDS = ("run", "compare", "simulate", "improve", "dataset", "train", "analyze")


_SEED_KEYS = (("seed", "--set seed=0"), ("dataset.seed", "--set dataset.seed=0 (dataset: --seed 0)"),
              ("simulator.seed", "--set simulator.seed=123 (dataset: --fire-seed 123)"))


def check_seeds(config: dict) -> None:
    """One ConfigError for a seed NumPy and Cell2Fire cannot take (negative, or 2**32 and above).

    Why here: ``np.random.default_rng(-1)`` fails deep inside a run with a traceback, and
    Cell2Fire's seeds are unsigned 32-bit. (The config validator is the better home; this
    check is harmless once it is there.)
    """
    for key, example in _SEED_KEYS:
        node = config
        for part in key.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if node is None or isinstance(node, bool) or not isinstance(node, int):
            continue
        if not 0 <= node < 2**32:
            raise LatentGAError(f"config key '{key}' = {node} must be an integer from 0 to {2**32 - 1}; "
                                f"give e.g. {example}")


_OS_FIXES = {
    errno.ENOSPC: "free space on that disk (or give a path on another disk) and run again",
    errno.EDQUOT: "free space within your disk quota (or give a path on another disk) and run again",
    errno.EROFS: "that file system is read-only; give a path you can write to",
    errno.EACCES: "no permission there; give a path you own, or change its permissions",
    errno.EPERM: "no permission there; give a path you own, or change its permissions",
    errno.EMFILE: "too many open files; raise the limit (ulimit -n) or use fewer --workers",
}


def os_error_line(exc: OSError) -> str:
    """One line for an operating-system error: what failed, on which path, and what to do. Files
    latentga writes are replaced atomically, so a failed write left the previous file whole; a run
    stopped this way continues from its last checkpoint with ``--resume``."""
    where = " -> ".join(str(p) for p in (exc.filename, exc.filename2) if p)
    what = exc.strerror or str(exc) or type(exc).__name__
    fix = _OS_FIXES.get(exc.errno, "check that path and run again")
    return f"{what}{': ' + where if where else ''}; {fix} (a run stopped by this continues with --resume)"


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
    noise = parser.add_mutually_exclusive_group()
    noise.add_argument("-q", "--quiet", action="store_true", dest="log_quiet",
                       help="show results and warnings only, no progress (as a command's own --quiet)")
    noise.add_argument("-v", "--verbose", action="store_true", dest="log_verbose", help="show debug messages too")
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
    configure_logging(level_for(args.log_quiet or getattr(args, "quiet", False), args.log_verbose))
    try:
        with _sigterm_as_exception():
            return int(args.func(args) or 0)
    except LatentGAError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # the machine, not the input: a full disk, a read-only folder, no permission
        print(f"error: {os_error_line(exc)}", file=sys.stderr)
        return 1
    except MemoryError:
        print("error: out of memory; use a smaller population, fewer fires or a smaller dataset, or a machine "
              "with more memory", file=sys.stderr)
        return 1
    except Terminated:
        print("terminated", file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        hint = getattr(args, "resume_command", None)
        print(f"interrupted; continue with: {hint}" if hint else "interrupted", file=sys.stderr)
        return 130
