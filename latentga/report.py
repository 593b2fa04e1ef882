"""One-page HTML reports: a run or a comparison, readable at one look, with no server.

Why: a run leaves a dozen files (tables, arrays, pictures) and the user has to open each. The
report puts the config, the figures and the tables on one page. Figures are embedded as base64
PNG and the page loads nothing else (no script, no stylesheet, no font from anywhere), so it
opens from the file system in any browser, offline, and can be mailed as one file.
"""

from __future__ import annotations

import base64
import html
import io
import os
from pathlib import Path

import pandas as pd

from latentga.io import write_text_atomic

__all__ = ["REPORT_NAME", "png_data_uri", "render_page", "plot_layout_over_burn_probability",
           "write_run_report", "write_comparison_report"]

REPORT_NAME = "report.html"

_STYLE = """body{font-family:sans-serif;max-width:1100px;margin:1em auto;padding:0 1em;color:#222}
h1{font-size:1.5em}h2{font-size:1.2em;border-bottom:1px solid #ccc;margin-top:1.5em}
table{border-collapse:collapse;font-size:.85em}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}
th{background:#f2f2f2}pre{background:#f7f7f7;padding:.5em;overflow:auto;font-size:.85em}
figure{display:inline-block;margin:.5em}figcaption{font-size:.85em;color:#555}img{max-width:100%}"""


def png_data_uri(source) -> str:
    """A ``data:image/png;base64,...`` URI from a PNG file or a matplotlib Figure."""
    if hasattr(source, "savefig"):
        buf = io.BytesIO()
        source.savefig(buf, format="png", dpi=100, bbox_inches="tight")
        data = buf.getvalue()
    else:
        data = Path(source).read_bytes()
        if not data.startswith(b"\x89PNG"):
            raise ValueError(f"{source} is not a PNG file")
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def _figure(source, caption: str) -> str:
    return (f'<figure><img src="{png_data_uri(source)}" alt="{html.escape(caption)}">'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>")


def _table(frame: pd.DataFrame, max_rows: int = 200) -> str:
    note = ""
    if len(frame) > max_rows:
        note = f"<p>first {max_rows} of {len(frame)} rows</p>"
        frame = frame.head(max_rows)
    table = frame.to_html(index=False, float_format=lambda v: f"{v:.4g}", border=0, escape=True)
    return f'<div style="overflow-x:auto">{table}</div>{note}'


def _config_block(config: dict) -> str:
    import yaml

    return f"<pre>{html.escape(yaml.safe_dump(config, sort_keys=False, default_flow_style=None))}</pre>"


def render_page(title: str, sections: list[tuple[str, str]]) -> str:
    """A complete, self-contained HTML page: ``sections`` are (heading, HTML body) pairs."""
    body = "".join(f"<h2>{html.escape(head)}</h2>\n{content}\n" for head, content in sections)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}'
            f"</title><style>{_STYLE}</style></head>\n<body><h1>{html.escape(title)}</h1>\n{body}</body></html>\n")


def plot_layout_over_burn_probability(layout, burn_probability, title: str):
    """The firebreaks (black) over the burn probability of that layout (colour scale)."""
    import numpy as np
    from matplotlib.figure import Figure

    layout = np.asarray(layout, bool)
    fig = Figure(figsize=(5, 4.5))
    ax = fig.add_subplot()
    im = ax.imshow(np.asarray(burn_probability, float), cmap="YlOrRd", vmin=0, vmax=1, interpolation="nearest")
    rows, cols = np.nonzero(layout)
    ax.scatter(cols, rows, marker="s", s=30, c="black", label=f"firebreak ({len(rows)})")
    fig.colorbar(im, ax=ax, label="burn probability with this layout")
    ax.legend(loc="upper right", fontsize=8)
    ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([])
    return fig


def write_run_report(out_dir: str | os.PathLike, config: dict, logbook: pd.DataFrame,
                     burn_probability=None, best_layout=None, summary: dict | None = None) -> Path:
    """Write ``report.html`` beside a run's results: the ``summary`` figures when given (best
    fitness, fitness without firebreaks, burned-area cut), config, convergence, best layout
    (over its burn probability when given), the logbook table.

    Reads ``convergence.png`` and ``best_layout.png`` from ``out_dir`` (those present).
    """
    out = Path(out_dir)
    figures = []
    for name, caption in (("convergence.png", "fitness per generation, on the search fires"),
                          ("best_layout.png", "best layout found")):
        if (out / name).is_file():
            figures.append(_figure(out / name, caption))
    if burn_probability is not None and best_layout is not None:
        fig = plot_layout_over_burn_probability(best_layout, burn_probability, "best layout over its burn probability")
        figures.append(_figure(fig, "burn probability of each cell with the best layout in place"))
    sections = [("Summary (on the search fires)", _table(pd.DataFrame([summary])))] if summary else []
    sections += [("Figures", "".join(figures) or "<p>no figure</p>"),
                 ("Logbook (one row per generation)", _table(logbook)),
                 ("Config", _config_block(config))]
    page = render_page(f"latentga run {config.get('name', '')}", sections)
    return write_text_atomic(out / REPORT_NAME, page)


_CAPTIONS = {"convergence.png": "fitness per generation", "heldout_vs_cost.png": "held-out fitness against cost",
             "quality_vs_cost.png": "quality against cost", "best_layouts.png": "best layout of each method"}
_LAST = ("best_layouts.png",)


def write_comparison_report(out_dir: str | os.PathLike, config: dict, summary: pd.DataFrame,
                            note: str = "") -> Path:
    """Write ``report.html`` beside a comparison's results: summary table, every PNG figure in
    ``out_dir`` (curves first, the best layouts of each method last), config."""
    out = Path(out_dir)
    pngs = sorted(out.glob("*.png"), key=lambda p: (p.name in _LAST, p.name))
    figures = "".join(_figure(p, _CAPTIONS.get(p.name, p.stem.replace("_", " "))) for p in pngs)
    sections = [("Summary", (f"<p>{html.escape(note)}</p>" if note else "") + _table(summary)),
                ("Figures", figures or "<p>no figure</p>"),
                ("Config", _config_block(config))]
    page = render_page(f"latentga comparison {config.get('name', '')}", sections)
    return write_text_atomic(out / REPORT_NAME, page)
