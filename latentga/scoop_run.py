"""``python -m latentga.scoop_run [SCOOP options] SCRIPT [ARGS]``: ``python -m scoop`` whose exit
code says what happened.

Why: SCOOP 0.7's launcher exits 0 on Ctrl-C, and it never passes on the origin's exit code (its
per-host launcher ignores it), so a run that failed with one clear error still "succeeded" for
a shell script or a scheduler. This runs SCOOP's own launcher in this process (same options,
same processes) and exits with: 130 on Ctrl-C (SIGINT), 143 on SIGTERM, else the exit code
latentga's origin reported (:func:`latentga.parallel.record_origin_status`), else 1 when the
origin ended without one (it was killed). Processes never outlive the launcher either way
(:func:`latentga.parallel.tie_to_launcher`).
"""

from __future__ import annotations

import os
import signal
import sys
import tempfile

from latentga.parallel import STATUS_VARIABLE

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    fd, status_path = tempfile.mkstemp(prefix="latentga-scoop-", suffix=".status")
    os.close(fd)
    os.environ[STATUS_VARIABLE] = status_path  # the origin inherits it (and writes its exit code there)
    received: list[int] = []

    def interrupted(signum, frame):
        received.append(signum)
        raise KeyboardInterrupt  # SCOOP's launcher then stops its processes, as on Ctrl-C

    signal.signal(signal.SIGINT, interrupted)
    signal.signal(signal.SIGTERM, interrupted)
    from scoop import launcher

    sys.argv = [f"{sys.executable} -m latentga.scoop_run", *argv]
    scoop_code = 0
    try:
        launcher.main()
    except SystemExit as exc:
        scoop_code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    except KeyboardInterrupt:
        pass
    finally:
        try:
            with open(status_path, encoding="utf-8") as fh:
                reported = fh.read().strip()
        except OSError:
            reported = ""
        try:
            os.unlink(status_path)
        except OSError:
            pass
    if received:
        return 128 + received[0]
    if reported.lstrip("-").isdigit():
        return int(reported)
    if scoop_code:
        return 128 - scoop_code if scoop_code < 0 else scoop_code
    print("error: the SCOOP origin ended without an exit status (it was killed, or the script is not a "
          "latentga entry point); see the output above", file=sys.stderr)
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
