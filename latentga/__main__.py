"""``python -m latentga <command>``: see :mod:`latentga.cli`."""

from latentga.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
