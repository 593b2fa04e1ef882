"""``python -m latentga <command>``: see :mod:`latentga.cli`."""

from latentga.cli import main

if __name__ == "__main__":
    status = main()
    if status:  # a bare SystemExit(0) prints a traceback under `python -m scoop`
        raise SystemExit(status)
