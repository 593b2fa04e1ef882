"""``python -m latentga <command>``: see :mod:`latentga.cli`."""

from latentga.parallel import record_origin_status, setup_process

setup_process()  # SCOOP workers: one thread each, before torch or numba load

from latentga.cli import main  # noqa: E402

if __name__ == "__main__":
    status = main()
    record_origin_status(status)  # under `python -m latentga.scoop_run`: the launcher exits with it
    if status:  # a bare SystemExit(0) prints a traceback under `python -m scoop`
        raise SystemExit(status)
