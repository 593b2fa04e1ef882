"""Run a command and report its wall time and the peak of its process tree's summed resident memory.

Why: ``/usr/bin/time -v`` reports the largest single process, but a SCOOP run is a launcher, an
origin and workers; what must fit the machine is their sum. Linux only (reads /proc), sampled
every 0.5 s, so a peak shorter than that can be missed.

    python benchmarks/peak_rss.py python -m scoop -n 2 benchmarks/compare.py configs/compare_zona60.yaml
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

__all__ = ["tree_rss", "main"]


def tree_rss(root: int) -> tuple[int, int]:
    """Summed resident bytes of ``root`` and all its descendants, and how many processes that is."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/statm") as f:
                rss[int(entry)] = int(f.read().split()[1]) * page
        except (OSError, ValueError, IndexError):  # the process ended while being read
            continue
        children.setdefault(ppid, []).append(int(entry))
    total = count = 0
    todo = [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        count += 1
        todo += children.get(pid, [])
    return total, count


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or not os.path.isdir("/proc"):
        print("usage: python benchmarks/peak_rss.py COMMAND [ARGS...]  (Linux: reads /proc)", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv)
    peak = peak_n = 0
    while proc.poll() is None:
        total, n = tree_rss(proc.pid)
        if total > peak:
            peak, peak_n = total, n
        time.sleep(0.5)
    print(f"peak resident memory of the process tree: {peak / 2**30:.2f} GiB ({peak_n} processes); "
          f"wall {time.perf_counter() - t0:.0f} s; exit status {proc.returncode}", flush=True)
    return proc.returncode


if __name__ == "__main__":
    raise SystemExit(main())
