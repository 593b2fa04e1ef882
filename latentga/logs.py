"""Logging set-up for the command line: library code logs to ``latentga.*`` loggers, the CLI
shows them as plain lines, INFO (progress) on stdout and warnings on stderr (``--quiet``: warnings
only; ``--verbose``: debug too).

Why a handler that looks up ``sys.stdout`` when it writes: tests and notebooks swap stdout after
the CLI started, and the lines should follow. A library user who never calls :func:`configure`
gets Python's default (warnings on stderr), as with any library.
"""

from __future__ import annotations

import logging
import sys

__all__ = ["configure", "level_for"]

_ROOT = "latentga"


class _CurrentStdout(logging.StreamHandler):
    """A stream handler writing to whatever ``sys.stdout`` (records below WARNING) or
    ``sys.stderr`` (WARNING and above) is at the time of each record."""

    def __init__(self):
        super().__init__(sys.stdout)

    def emit(self, record: logging.LogRecord) -> None:
        self._target = sys.stderr if record.levelno >= logging.WARNING else sys.stdout
        super().emit(record)

    @property
    def stream(self):
        return getattr(self, "_target", sys.stdout)

    @stream.setter
    def stream(self, _value):
        pass


def level_for(quiet: bool = False, verbose: bool = False) -> int:
    """The log level the flags ask for (``quiet`` wins)."""
    return logging.WARNING if quiet else logging.DEBUG if verbose else logging.INFO


def configure(level: int = logging.INFO) -> logging.Logger:
    """Route ``latentga`` log records of ``level`` and above to stdout (warnings: stderr), one
    plain line each (replacing the handler an earlier call installed)."""
    logger = logging.getLogger(_ROOT)
    for handler in [h for h in logger.handlers if isinstance(h, _CurrentStdout)]:
        logger.removeHandler(handler)
    handler = _CurrentStdout()
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
    return logger
