"""Open report.html files in a real headless Chromium: the page loads, logs no console error,
and shows every figure (each image decoded, naturalWidth > 0).

    python benchmarks/report_browser.py results/ccvae_gd/report.html results/compare/report.html

Needs Debian's ``chromium`` and ``chromium-driver`` (``apt-get install chromium chromium-driver``)
and ``pip install selenium``; a browser that Selenium would download by itself is not used.
``CHROMIUM`` and ``CHROMEDRIVER`` override the paths /usr/bin/chromium and /usr/bin/chromedriver.
Exits 1 when a page fails, 2 when no browser can be started.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

__all__ = ["browser_paths", "missing_browser", "check_pages", "main"]


def browser_paths() -> tuple[str, str]:
    """(chromium, chromedriver) from the environment or Debian's locations."""
    return (os.environ.get("CHROMIUM", "/usr/bin/chromium"),
            os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))


def missing_browser() -> str | None:
    """Why no browser check can run here, or None when it can."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install selenium)"
    for path in browser_paths():
        if not (Path(path).is_file() or shutil.which(path)):
            return f"{path} not found (apt-get install chromium chromium-driver)"
    return None


def _driver():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, driver = browser_paths()
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--allow-file-access-from-files"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(executable_path=driver), options=options)


_IMAGES = """return Array.from(document.images).map(
    img => [img.alt, img.complete, img.naturalWidth, img.naturalHeight]);"""


def check_pages(paths: list[str | os.PathLike]) -> list[dict]:
    """Per page: title, images (alt, complete, width, height), console errors, ok."""
    results = []
    driver = _driver()
    try:
        for path in paths:
            page = Path(path).resolve()
            if not page.is_file():
                raise FileNotFoundError(f"{page}: no such report")
            driver.get(page.as_uri())
            state = driver.execute_script("return document.readyState")
            images = driver.execute_script(_IMAGES)
            errors = [e["message"] for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
            ok = state == "complete" and bool(images) and not errors and all(
                done and w > 0 and h > 0 for _alt, done, w, h in images)
            results.append({"page": str(page), "title": driver.title, "state": state, "images": images,
                            "errors": errors, "ok": ok})
    finally:
        driver.quit()
    return results


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("pages", nargs="+", help="report.html files")
    args = p.parse_args(argv)
    why = missing_browser()
    if why:
        print(f"cannot check in a browser: {why}", file=sys.stderr)
        return 2
    results = check_pages(args.pages)
    for r in results:
        shown = sum(1 for _a, done, w, _h in r["images"] if done and w > 0)
        print(f"{'ok  ' if r['ok'] else 'FAIL'} {r['page']}: '{r['title']}', {shown}/{len(r['images'])} figures "
              f"shown, {len(r['errors'])} console errors")
        for e in r["errors"]:
            print(f"     console: {e}")
    return 0 if all(r["ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
