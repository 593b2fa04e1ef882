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
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from latentga.io import write_text_atomic
from latentga.schema import thaw

__all__ = ["REPORT_NAME", "NO_VALUE", "comparison_tables", "png_data_uri", "render_page", "plot_layout_over_burn_probability",
           "write_run_report", "write_comparison_report", "write_improve_report", "grid_coordinates"]

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


#: Shown where a table has no value (a VAE's label error, a test that needs two runs).
NO_VALUE = "—"


def _table(frame: pd.DataFrame, max_rows: int = 200) -> str:
    """A table that reads: headers in words (no snake_case), numbers rounded, gaps as a dash."""
    note = ""
    if len(frame) > max_rows:
        note = f"<p>first {max_rows} of {len(frame)} rows</p>"
        frame = frame.head(max_rows)
    frame = frame.rename(columns=lambda c: str(c).replace("_", " "))
    table = frame.to_html(index=False, float_format=_number, na_rep=NO_VALUE, border=0, escape=True)
    return f'<div style="overflow-x:auto">{table}</div>{note}'


def _number(value: float) -> str:
    if pd.isna(value):
        return NO_VALUE
    if float(value).is_integer() and abs(value) >= 1:
        return f"{value:,.0f}"
    return f"{value:,.1f}" if abs(value) >= 100 else f"{value:.4f}" if abs(value) >= 1e-3 else f"{value:.3g}"


def _pm(mean, std) -> str:
    """``mean ± std``; the mean alone where there is no spread to give (one run)."""
    return NO_VALUE if pd.isna(mean) else f"{mean:.4f}" if std is None or pd.isna(std) else f"{mean:.4f} ± {std:.4f}"


def _percent(value) -> str:
    return NO_VALUE if pd.isna(value) else f"{100 * value:.1f} %"


def _p(value) -> str:
    return NO_VALUE if pd.isna(value) else "< 0.001" if value < 1e-3 else f"{value:.3f}"


def comparison_tables(summary: pd.DataFrame, welch: pd.DataFrame | None = None,
                      models: pd.DataFrame | None = None) -> list[tuple[str, str]]:
    """The comparison's summary, Welch and model tables as page sections, formatted to read."""
    needed = {"method", "kind", "runs", "heldout_mean", "heldout_std", "best_heldout", "search_mean", "search_std",
              "calls_mean", "fires_mean", "cpu_seconds_mean"}
    if not needed <= set(summary.columns):  # a table from elsewhere: shown as it is, still formatted
        return [("Summary", _table(summary))]
    cuts = "heldout_cut_mean" in summary.columns  # branch fair's burned-area cut (latentga.cut)
    rows = [{"method": r.method, "kind": r.kind, "runs": int(r.runs),
             "held-out fitness (mean ± std)": _pm(r.heldout_mean, r.heldout_std if r.runs > 1 else None),
             **({"held-out cut": _percent(r.heldout_cut_mean)} if cuts else {}),
             "chosen run's held-out": _number(r.best_heldout),
             "search fitness (mean ± std)": _pm(r.search_mean, r.search_std if r.runs > 1 else None),
             "layouts simulated": f"{r.calls_mean:,.0f}", "fires simulated": f"{r.fires_mean:,.0f}",
             "CPU s per run": f"{r.cpu_seconds_mean:,.1f}"} for r in summary.itertuples()]
    sections = [("Summary (best held-out first)", _table(pd.DataFrame(rows)))]
    if welch is not None and len(welch):
        ref = welch["reference"].iloc[0]
        cpu = float(welch["cpu_seconds"].iloc[0])
        w = [{"method": r.method, "held-out": _number(r.heldout_mean), ref: _number(r.reference_mean),
              "p, equal fires": _p(r.p_equal_fires), f"held-out at {cpu:.1f} CPU s": _number(r.heldout_at_cpu),
              f"{ref} at {cpu:.1f} CPU s": _number(r.reference_at_cpu), "p, equal CPU": _p(r.p_equal_cpu)}
             for r in welch.itertuples()]
        note = (f"<p>Welch's t-test against {html.escape(str(ref))} on held-out fitness, at equal fires and at "
                f"equal CPU time. {NO_VALUE}: not testable (fewer than two runs, or no spread).</p>")
        sections.append((f"Welch tests against {ref}", note + _table(pd.DataFrame(w))))
    if models is not None and len(models):
        m = [{"model": r.kind, "used by": r.variants, "training s": _number(r.training_seconds),
              "epochs": _number(r.epochs), "validation precision": _number(r.val_precision),
              "label MAE": _number(r.val_label_mae)} for r in models.itertuples()]
        note = f"<p>Trained once, shared by every seed; not in the CPU seconds above. {NO_VALUE}: not recorded.</p>"
        sections.append(("Models", note + _table(pd.DataFrame(m))))
    return sections


def _config_block(config: Mapping) -> str:
    import yaml

    return f"<pre>{html.escape(yaml.safe_dump(thaw(config), sort_keys=False, default_flow_style=None))}</pre>"


def render_page(title: str, sections: list[tuple[str, str]]) -> str:
    """A complete, self-contained HTML page: ``sections`` are (heading, HTML body) pairs."""
    body = "".join(f"<h2>{html.escape(head)}</h2>\n{content}\n" for head, content in sections)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}'
            f"</title><style>{_STYLE}</style></head>\n<body><h1>{html.escape(title)}</h1>\n{body}</body></html>\n")


def plot_layout_over_burn_probability(layout, burn_probability, title: str):
    """The firebreaks (black) over the burn probability of that layout (colour scale), with
    row/column coordinates and the legend below the map."""
    import numpy as np
    from matplotlib.figure import Figure


    layout = np.asarray(layout, bool)
    fig = Figure(figsize=(5, 5))
    ax = fig.add_subplot()
    im = ax.imshow(np.asarray(burn_probability, float), cmap="YlOrRd", vmin=0, vmax=1, interpolation="nearest")
    rows, cols = np.nonzero(layout)
    ax.scatter(cols, rows, marker="s", s=30, c="#111111", label=f"firebreak ({len(rows)})")
    fig.colorbar(im, ax=ax, label="burn probability with this layout", shrink=0.85)
    ax.set_title(title)
    grid_coordinates(ax)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), fontsize=8, frameon=False)
    return fig


def write_run_report(out_dir: str | os.PathLike, config: Mapping, logbook: pd.DataFrame,
                     burn_probability=None, best_layout=None, summary: dict | None = None,
                     context=None) -> Path:
    """Write ``report.html`` beside a run's results: the answer on fresh fires (``context``, a
    :class:`~latentga.context.PlanContext`) first, the ``summary`` figures when given (best
    fitness, fitness without firebreaks, burned-area cut, on the search fires), then config,
    convergence, best layout (over its burn probability when given), the logbook table.

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
    sections = [("Answer", context.html())] if context is not None else []
    if summary:
        sections.append(("Summary (on the search fires)", _table(pd.DataFrame([summary]))))
    sections += [("Figures", "".join(figures) or "<p>no figure</p>"),
                 ("Logbook (one row per generation)", _table(logbook)),
                 ("Config", _config_block(config))]
    page = render_page(f"latentga run {config.get('name', '')}", sections)
    return write_text_atomic(out / REPORT_NAME, page)


_CAPTIONS = {"convergence.png": "fitness per generation", "heldout_vs_cost.png": "held-out fitness against cost",
             "quality_vs_cost.png": "quality against cost", "best_layouts.png": "best layout of each method"}
_LAST = ("best_layouts.png",)


def write_comparison_report(out_dir: str | os.PathLike, config: Mapping, summary: pd.DataFrame,
                            note: str = "", context=None, warnings=(), welch: pd.DataFrame | None = None,
                            models: pd.DataFrame | None = None) -> Path:
    """Write ``report.html`` beside a comparison's results: the answer on the held-out fires
    (``context``) and any model warnings first, then the summary, Welch and model tables, every
    PNG figure in ``out_dir`` (curves first, the best layouts of each method last), config."""
    out = Path(out_dir)
    pngs = sorted(out.glob("*.png"), key=lambda p: (p.name in _LAST, p.name))
    figures = "".join(_figure(p, _CAPTIONS.get(p.name, p.stem.replace("_", " "))) for p in pngs)
    answer = (context.html() if context is not None else "") + "".join(
        f"<p><strong>{html.escape(w)}</strong></p>" for w in warnings)
    sections = [("Answer", answer)] if answer else []
    tables = comparison_tables(summary, welch, models)
    if note:
        tables[0] = (tables[0][0], f"<p>{html.escape(note)}</p>" + tables[0][1])
    sections += tables + [("Figures", figures or "<p>no figure</p>"), ("Config", _config_block(config))]
    page = render_page(f"latentga comparison {config.get('name', '')}", sections)
    return write_text_atomic(out / REPORT_NAME, page)


def write_improve_report(out_dir: str | os.PathLike, result, context, plan_path) -> Path:
    """Write ``report.html`` beside an ``improve`` result: the answer on fresh fires, the moves, the
    gain-vs-M curve (table and ``gain_curve.png``), the improved plan over its burn probability."""
    out = Path(out_dir)
    moves = result.moves.rename(columns={
        "move": "move", "kind": "kind", "from_row": "from row", "from_col": "from col", "from_id": "from id",
        "to_row": "to row", "to_col": "to col", "to_id": "to id", "source": "proposed by",
        "search_fitness": "search fitness", "search_gain": "search gain", "fresh_fitness": "fresh fitness",
        "fresh_gain": "fresh gain"})
    curve = result.curve.rename(columns=lambda c: c.replace("_", " "))
    figures = []
    if (out / "gain_curve.png").is_file():
        figures.append(_figure(out / "gain_curve.png", "fitness against the number of moves allowed"))
    figures.append(_figure(plot_layout_over_burn_probability(result.plan, context.burn, "improved plan"),
                           f"burn probability on {context.n_fires} fresh fires with the improved plan"))
    notes = "".join(f"<p>{html.escape(n)}</p>" for n in result.notes)
    sections = [("Answer", context.html()),
                ("Moves (cells as row, col from the north-west corner, and Cell2Fire id)",
                 (_table(moves) if len(moves) else "<p>no move improves the plan</p>") + notes),
                ("Gain for every M", _table(curve)),
                ("Figures", "".join(figures))]
    page = render_page(f"latentga improve {Path(plan_path).name}", sections)
    return write_text_atomic(out / REPORT_NAME, page)


def grid_coordinates(ax) -> None:
    """Label a map's axes with the cells' column and row (row 0 = north), as plan.csv and the
    moves table name them."""
    from matplotlib.ticker import MaxNLocator

    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_locator(MaxNLocator(nbins=6, integer=True))
    ax.tick_params(labelsize=7)
    ax.set_xlabel("column", fontsize=8)
    ax.set_ylabel("row (0 = north)", fontsize=8)
