"""Build the council report of a sweep, in French and/or English (see :mod:`simulation.report`).

The numbers are computed once, language-free, by :func:`simulation.report.data.collect` (from the sweep's
parquet datasets through :mod:`simulation.study.analysis`); :func:`simulation.report.render.render_html` puts
them into the template with one language's catalogue and figures (:mod:`simulation.report.figures`); the PDF
is the same HTML printed by WeasyPrint. Inputs are checked before anything is written, and the files are
written under temporary names and renamed, so a failed build never leaves a half-written report or destroys
an earlier one.
"""

from __future__ import annotations

import argparse
import os
import shlex
from pathlib import Path

from simulation.report import pages
from simulation.report.data import ReportError, check_sweep, collect
from simulation.report.figures import least_heights
from simulation.report.render import render_report
from simulation.study import analysis

LANGUAGES = ("fr", "en")


def languages(lang: str) -> list[str]:
    """The languages that ``--lang`` asks for (``all`` is every one)."""
    if lang == "all":
        return list(LANGUAGES)
    if lang not in LANGUAGES:
        raise ReportError(f"unknown language {lang!r}: allowed values are {', '.join(LANGUAGES)}, all")
    return [lang]


def check_out(out: Path) -> None:
    """The output folder may exist, as a folder; anything else in its place is refused up front."""
    try:
        analysis.check_out(out)
    except ValueError as e:
        raise ReportError(str(e)) from None


def report_command(sweep_name: str, lang: str, baseline: str) -> str:
    """The command that rebuilds this report from the sweep rebuilt by :func:`simulation.report.data.sweep_command`."""
    args = ["python", "-m", "simulation.report", f"results/sweeps/{sweep_name}", "--lang", lang]
    if baseline != "baseline":
        args += ["--baseline", baseline]
    return shlex.join(args)


def _write_atomic(path: Path, content: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(content)
    os.replace(tmp, path)


def build_reports(
    sweep_dir: Path, lang: str = "all", baseline: str = "baseline", out: Path | None = None, pdf: bool = True
) -> list[Path]:
    """Write ``report.<lang>.html`` (and ``.pdf``) for each language asked; return the files.

    Everything is checked and rendered before the first file is written.
    """
    langs = languages(lang)
    check_sweep(sweep_dir, baseline)
    out = out or sweep_dir / "report"
    check_out(out)
    data = collect(sweep_dir, baseline)
    command = report_command(data.sweep.name, lang, baseline)
    documents: dict[str, bytes] = {}
    for code in langs:
        html, heights = render_report(data, code, command)
        if pdf:  # laid out in pages; a section's stray tail taken back by its figure, drawn shorter (pages.py)
            document = pages.layout(html, out)
            shorter, compact = pages.short_tails(document, heights, least_heights(data))
            if shorter or compact:
                html, _ = render_report(data, code, command, heights | shorter, compact)
                document = pages.layout(html, out)
            documents[f"report.{code}.pdf"] = document.write_pdf()
        documents[f"report.{code}.html"] = html.encode()
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in documents.items():
        _write_atomic(out / name, content)
        written.append(out / name)
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m simulation.report", description=(__doc__ or "").split("\n")[0])
    parser.add_argument("sweep_dir", type=Path, help="a sweep folder (results/sweeps/<name>)")
    parser.add_argument("--lang", default="all", help=f"language of the report: {', '.join(LANGUAGES)} or all")
    parser.add_argument("--baseline", default="baseline", help="the scenario the others are compared with")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: <sweep>/report)")
    parser.add_argument("--no-pdf", action="store_true", help="write the HTML only")
    args = parser.parse_args(argv)
    try:
        files = build_reports(args.sweep_dir, args.lang, args.baseline, args.out, pdf=not args.no_pdf)
    except ReportError as e:
        parser.error(str(e))
    for f in files:
        print(f)


if __name__ == "__main__":
    main()
