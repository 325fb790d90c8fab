"""Build the council report of a sweep, in French and/or English (see :mod:`simulation.report`).

The numbers are computed once, language-free, by :func:`collect` (from the sweep's
parquet datasets through :mod:`simulation.study.analysis`); :func:`render_html` puts them
into the template with one language's catalogue and figures; the PDF is the same
HTML printed by WeasyPrint. Inputs are checked before anything is written, and the
files are written under temporary names and renamed, so a failed build never
leaves a half-written report or destroys an earlier one.
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import datetime as dt
import json
import math
import os
import re
import shlex
import subprocess
import tempfile
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd
import pyarrow as pa
from babel.numbers import format_decimal

from simulation.config import Config, ConfigError, compose
from simulation.model.territory import Territories
from simulation.policies import yearly_budget_eur
from simulation.report import i18n
from simulation.runs import datasets
from simulation.runs.provenance import REPO, git_revision, package_version
from simulation.runs.sweep import run_id
from simulation.study import analysis

LANGUAGES = ("fr", "en")
TABLES = ("summary", "timeseries", "registry", "spending")
TEMPLATES = Path(__file__).resolve().parent / "templates"
#: The per-M€ indicator the levers are ranked by (the council's headline).
HEADLINE = "lasting_cooperations_per_meur"
#: The scenario of the CESER's whole package, named apart in the report's summary.
PACKAGE = "ceser_package"
#: A lever that spent less than this share of its configured budget is pointed out.
UNDERSPENT = 0.9
FIGURE_DPI = 150
#: Fewer random draws than this for a scenario are flagged: its intervals are wide, the ranking fragile.
FEW_SEEDS = 20


class ReportError(ValueError):
    """A bad input to the report: the message names the value and what is allowed."""


# ---------------------------------------------------------------------- inputs


def languages(lang: str) -> list[str]:
    """The languages that ``--lang`` asks for (``all`` is every one)."""
    if lang == "all":
        return list(LANGUAGES)
    if lang not in LANGUAGES:
        raise ReportError(f"unknown language {lang!r}: allowed values are {', '.join(LANGUAGES)}, all")
    return [lang]


def check_sweep(sweep_dir: Path, baseline: str) -> list[str]:
    """Check that ``sweep_dir`` is a sweep with a run of ``baseline``; return its scenarios."""
    if sweep_dir.exists() and not sweep_dir.is_dir():
        raise ReportError(f"{str(sweep_dir)!r} is a file, not a sweep folder (expected results/sweeps/<name>)")
    if not sweep_dir.is_dir():
        raise ReportError(f"sweep folder {str(sweep_dir)!r} does not exist (expected results/sweeps/<name>)")
    missing = [t for t in TABLES if not (sweep_dir / t).is_dir()]
    if missing:
        raise ReportError(
            f"{str(sweep_dir)!r} is not a complete sweep folder: no {', '.join(missing)} dataset "
            f"(a sweep holds {', '.join(TABLES)})"
        )
    empty = [t for t in TABLES if not any((sweep_dir / t).rglob("*.parquet"))]
    if empty:
        raise ReportError(
            f"{str(sweep_dir)!r} is not a complete sweep folder: its {', '.join(empty)} dataset(s) hold no "
            "parquet file (did the sweep's runs finish?)"
        )
    summary = read_table(sweep_dir, "summary", ["scenario", "seed"])
    if not len(summary):
        raise ReportError(f"{str(sweep_dir)!r}: its summary dataset holds no run")
    scenarios = sorted(summary["scenario"].astype(str).unique())
    if baseline not in scenarios:
        raise ReportError(
            f"no run of the baseline scenario {baseline!r} in this sweep: it holds {', '.join(scenarios)}"
        )
    if len(scenarios) == 1:
        raise ReportError(
            f"{str(sweep_dir)!r} holds only the baseline scenario {baseline!r}: the report compares levers with it "
            "(run the sweep with other scenarios too, e.g. scenario=baseline,p3_seed_grants)"
        )
    return scenarios


def read_table(sweep_dir: Path, table: str, columns: list[str] | None = None) -> pd.DataFrame:
    """One dataset of the sweep; a ReportError naming the folder if it cannot be read."""
    try:
        return datasets.read_table(sweep_dir, table, columns=columns)
    except (OSError, ValueError, KeyError, pa.ArrowException) as e:
        wanted = f" (columns {', '.join(columns)})" if columns else ""
        raise ReportError(f"{str(sweep_dir)!r}: cannot read its {table} dataset{wanted}: {e}") from e


def check_out(out: Path) -> None:
    """The output folder may exist, as a folder; anything else in its place is refused up front."""
    try:
        analysis.check_out(out)
    except ValueError as e:
        raise ReportError(str(e)) from None


def _scenario_order(name: str, baseline: str) -> tuple[int, str]:
    if name == baseline:
        return (0, name)
    return (1 if re.match(r"p\d_", name) else 2, name)


def _seed_list(seeds: Iterable[Any]) -> str:
    s = sorted(int(x) for x in seeds)
    if s and s == list(range(s[0], s[-1] + 1)) and len(s) > 2:
        return f"{s[0]}–{s[-1]}"
    return ", ".join(map(str, s))


def _configuration(
    sweep_dir: Path, manifest: dict[str, Any], scenario: str, row: pd.Series
) -> tuple[str, Config | None]:
    """A run's configuration: the one the sweep stored, if its digest is the run id ("stored"); else composed
    again from the sweep's command and today's config files (:func:`_recompose`).

    Returns:
        ("stored" | "match" | "differs" | "unavailable", the configuration or None).
    """
    if "config_id" in row.index and isinstance(row["config_id"], str):
        try:
            stored = datasets.read_config(sweep_dir, row["config_id"], int(row["seed"]))
        except ConfigError as e:  # stored by another version of the model: composed again, and said
            warnings.warn(f"{e}; composing it again from the sweep's command", stacklevel=2)
            stored = None
        if stored is not None and run_id(stored) == row["run_id"]:
            return "stored", stored
    return _recompose(manifest, scenario, row)


def _recompose(manifest: dict[str, Any], scenario: str, row: pd.Series) -> tuple[str, Config | None]:
    """Compose a run's configuration again from the sweep's command; compare its digest with the run id.

    Returns:
        ("match" | "differs" | "unavailable", the configuration or None).
    """
    overrides = [f"scenario={scenario}", f"seed={int(row['seed'])}"]
    for override in manifest.get("overrides", []):
        key = override.split("=", 1)[0].lstrip("+~")
        if key in ("scenario", "seed") or key.startswith(("hydra", "output.")):
            continue
        overrides.append(f"{key}={row[key]}" if key in row.index else override)
    try:
        config = compose(overrides)
    except ConfigError:
        return "unavailable", None
    status = "match" if run_id(config) == row["run_id"] else "differs"
    return status, config


#: The configuration checks that give the runs' own configuration (stored with the sweep, or composed again
#: with the same digest).
EXACT = ("stored", "match")


def collect(sweep_dir: Path, baseline: str = "baseline") -> dict[str, Any]:
    """Every number of the report, language-free, computed from the sweep's datasets."""
    check_sweep(sweep_dir, baseline)
    try:
        summary, ts = analysis.load(sweep_dir)
    except (OSError, KeyError, pa.ArrowException) as e:
        raise ReportError(f"{str(sweep_dir)!r}: cannot read its summary or timeseries dataset: {e}") from e
    except ValueError as e:  # runs that cannot be compared (several per scenario and seed, or configurations)
        raise ReportError(f"{str(sweep_dir)!r}: {e}") from e
    registry = analysis.finished_only(
        read_table(sweep_dir, "registry", ["scenario", "seed", "run_id", "territory", "outcome"]), summary
    )
    spending = analysis.finished_only(
        read_table(sweep_dir, "spending", ["scenario", "seed", "run_id", "channel", "public_eur"]), summary
    )
    manifest_path = sweep_dir / "sweep.json"
    manifest: dict[str, Any] = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Mean of empty slice", RuntimeWarning)  # indicators NaN in every run
        comparison = analysis.compare(summary, baseline)
    ce = analysis.cost_effectiveness(summary, baseline)
    ranked = analysis.ranking(comparison, ce, summary, baseline, by=HEADLINE)

    horizons = sorted(int(h) for h in summary["horizon_months"].unique())
    if len(horizons) != 1:
        raise ReportError(f"the sweep mixes horizons {horizons}: one report compares runs of one horizon")
    horizon_months = int(horizons[0])
    years = horizon_months / 12

    spending = spending.astype({"scenario": str, "channel": str})
    lever = spending[spending["channel"].str.startswith("lever:")].groupby(["scenario", "seed"])["public_eur"].sum()
    runs = summary.set_index(["scenario", "seed"]).index
    lever_per_run = lever.reindex(runs, fill_value=0.0) / years

    scenario_names = sorted(summary["scenario"].unique(), key=lambda s: _scenario_order(s, baseline))
    extra_public = ce.set_index("scenario")["extra_public_meur"] if len(ce) else pd.Series(dtype=float)
    territory_names: list[str] | None = None
    territory_types: dict[str, str] = {}
    populations: dict[str, float] = {}
    lasting_months: set[int] = set()
    scenarios = []
    for name in scenario_names:
        rows = summary[summary["scenario"] == name].sort_values("seed")
        check, config = _configuration(sweep_dir, manifest, name, rows.iloc[0])
        if config is not None:
            if territory_names is None:  # the region as the runs simulated it (inhabitants at the run's scale)
                region = Territories.from_config(config.region)
                territory_names = list(region.names)
                territory_types = dict(zip(region.names, region.types, strict=True))
                populations = dict(zip(region.names, region.population.tolist(), strict=True))
            lasting_months.add(config.projects.lasting_after_months)
        scenarios.append(
            {
                "name": name,
                "n_seeds": int(rows["seed"].nunique()),
                "lever_budget_eur_per_year": yearly_budget_eur(config.policies) if config is not None else math.nan,
                "lever_eur_per_year": float(lever_per_run.loc[name].mean()),
                "extra_public_meur": float(extra_public.get(name, math.nan)),
                "run_ids": rows["run_id"].astype(str).tolist(),
                "config_check": check,
            }
        )
    n_territories = int(summary["territories"].max())
    seen = set(registry["territory"].astype(str))
    if territory_names is None or len(territory_names) != n_territories or not seen <= set(territory_names):
        # The preset could not be recomposed: name the territories the sweep's files show.
        territory_names = sorted(seen)
    if not lasting_months:  # no scenario could be recomposed: the default configuration's definition
        lasting_months.add(compose([]).projects.lasting_after_months)
    if len(lasting_months) != 1:
        durations = sorted(lasting_months)
        raise ReportError(f"the scenarios count cooperations as lasting after different durations {durations}")
    lasting_after = lasting_months.pop()
    counts = analysis.territory_projects(registry, summary, territory_names)
    without = analysis.territories_without_project(counts)
    # "In which territories": lasting cooperations per type of territory, if the preset's types are known.
    by_type = analysis.by_territory_type(counts, territory_types, populations, baseline) if territory_types else None
    type_rows = by_type.to_dict("records") if by_type is not None else []
    type_names = list(dict.fromkeys(r["type"] for r in type_rows))
    # Per type, the funded lever(s) adding the most lasting cooperations beyond the noise (interval above zero):
    # all of them if tied; none if no interval clears zero. (A shock or a counterfactual is not a lever.)
    funded_levers = {x["name"] for x in scenarios if x["name"] != baseline and x["lever_budget_eur_per_year"] > 0}
    added = [r for r in type_rows if r["scenario"] in funded_levers and r["difference_ci_low"] > 0]
    type_leaders = {}
    for t in type_names:
        here = [r for r in added if r["type"] == t]
        if here:
            best = max(r["difference"] for r in here)
            type_leaders[t] = [r for r in here if r["difference"] == best]

    verdict = analysis.ranking_verdict(ranked, HEADLINE)
    others = ranked.iloc[1:][ranked[HEADLINE].iloc[1:].notna()] if verdict == "ranked" else ranked.iloc[:0]
    valid = ranked[ranked[f"{HEADLINE}_ci_low"].notna()]
    jobs = "jobs_created_cumulative_per_meur"
    creating_jobs = ranked[ranked[f"{jobs}_ci_low"] > 0]
    levers = [x for x in scenarios if x["name"] != baseline]
    # "Every lever is given the same budget" is said of two funded scenarios or more whose configurations are
    # the runs' own (stored, or composed again with the same digest); not of a shock-only sweep, whose budgets
    # are all 0, nor of one lever; a scenario without levers, such as a shock, is left out.
    funded = [x["lever_budget_eur_per_year"] for x in levers if x["lever_budget_eur_per_year"] > 0]
    known = all(x["config_check"] in EXACT for x in levers)
    known = known and not any(math.isnan(x["lever_budget_eur_per_year"]) for x in levers)
    equal_budget = funded[0] if len(funded) >= 2 and len(set(funded)) == 1 else None
    return {
        "sweep": {
            "name": sweep_dir.resolve().name,
            "date_utc": manifest.get("date_utc", "?"),
            "command": sweep_command(manifest),
            "package_versions": sorted(summary["package_version"].astype(str).unique()),
            "git_revisions": sorted(summary["git_revision"].astype(str).unique()),
            "git_dirty": bool(manifest.get("git_dirty")),
            "libraries": ", ".join(f"{k} {v}" for k, v in manifest.get("libraries", {}).items()),
        },
        "compared": {
            "baseline": baseline,
            "scenarios": scenarios,
            "n_runs": len(summary),
            "horizon_months": horizon_months,
            "horizon_years": years,
            "lasting_after_months": lasting_after,
            "nothing_can_last": horizon_months <= lasting_after,
            "regions": sorted(summary["region"].astype(str).unique()),
            "seed_list": _seed_list(summary["seed"].unique()),
            "min_seeds": min((x["n_seeds"] for x in scenarios), default=0),
        },
        "ranking": ranked.to_dict("records"),
        "verdict": verdict,
        "tied": others[~others["below_leader"]]["scenario"].tolist(),
        "below": others[others["below_leader"]]["scenario"].tolist(),
        "no_effect": valid[valid["includes_zero"]]["scenario"].tolist(),
        # Levers whose effect on lasting cooperations per M€ is negative beyond the noise.
        "harmful": valid[valid[f"{HEADLINE}_ci_high"] < 0]["scenario"].tolist(),
        # The lever creating the most jobs per M€, among those whose interval is above zero.
        "jobs_leader": creating_jobs.sort_values(jobs, ascending=False).iloc[0].to_dict()
        if len(creating_jobs)
        else None,
        "package": next((r for r in ranked.to_dict("records") if r["scenario"] == PACKAGE), None),
        "n_ranked": int(ranked[HEADLINE].notna().sum()),
        # The levers' common configured yearly budget (None if they differ), and those that spent much less.
        "equal_budget": equal_budget if known else None,
        "underspent": [
            x["name"] for x in levers if x["lever_eur_per_year"] < UNDERSPENT * x["lever_budget_eur_per_year"]
        ],
        "configs_match": all(x["config_check"] in EXACT for x in scenarios),
        "ce": ranked[ce.columns].to_dict("records"),
        "territories": {
            "names": territory_names,
            "types": territory_types,
            "without": {s: g.to_dict("records") for s, g in without.groupby("scenario")},
            "any_without": bool(len(without)),
            "by_type": {(r["scenario"], r["type"]): r for r in type_rows},
            "type_names": type_names,
            "type_leaders": type_leaders,
        },
        "frames": {"timeseries": ts, "cost_effectiveness": ranked[ce.columns], "territory_counts": counts},
    }


# ---------------------------------------------------------------------- rendering


def environment(lang: str) -> jinja2.Environment:
    """A Jinja2 environment with ``lang``'s catalogue installed (``_``, ``{% trans %}``)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
    )
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_translations(i18n.translations(lang), newstyle=False)  # type: ignore[attr-defined]
    return env


def _https_remote() -> str | None:
    """The https address of the repository's ``origin`` remote (credentials stripped), None if there is none."""
    try:
        url = subprocess.run(
            ["git", "config", "--get", "remote.origin.url"], cwd=REPO, capture_output=True, text=True, timeout=10
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    m = re.fullmatch(r"(?:ssh://)?[\w.-]+@([\w.-]+)[:/](.+?)(?:\.git)?/?", url) or re.fullmatch(
        r"https?://(?:[^@/]+@)?([\w.-]+(?::\d+)?)/(.+?)(?:\.git)?/?", url
    )
    return f"https://{m.group(1)}/{m.group(2)}" if m else None


def doc_reference(path: str, heading: str) -> dict[str, str | None]:
    """A citation of a section of the repository's documentation, checked to exist.

    The citation names the document by its path in the repository and the section by
    its title ("docs/ODD.md § 7.5 Policy levers"), never by a path on this machine, so
    the report can be sent on. ``href`` is an https link to the section at the current git
    revision when the repository has an ``origin`` remote, None otherwise (plain text).

    Args:
        path: the document, relative to the repository (``docs/ODD.md``).
        heading: the start of the section's heading (``7.9``, ``Outputs``).

    Raises:
        ReportError: the document or the section does not exist (the citation is stale).
    """
    doc = REPO / path
    if not doc.exists():
        raise ReportError(f"cited document {path!r} does not exist")
    for line in doc.read_text().splitlines():
        m = re.match(r"#+\s+(.*)", line)
        if m and m.group(1).startswith(heading):
            title = m.group(1).strip()
            slug = re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")
            remote, revision = _https_remote(), git_revision()["git_revision"]
            href = f"{remote}/blob/{revision}/{path}#{slug}" if remote and revision != "unknown" else None
            return {"path": path, "title": title.replace("`", ""), "href": href}
    raise ReportError(f"no section starting with {heading!r} in {path}")


def sweep_command(manifest: dict[str, Any]) -> str:
    """The multirun command that rebuilds the sweep, from its recorded overrides, with no path of this machine.

    The results folder is left to its default (``results/``), so the sweep lands in
    ``results/sweeps/<name>``, the folder :func:`report_command` names.
    """
    if "overrides" not in manifest:
        return "?"
    kept = [
        o
        for o in manifest["overrides"]
        if not o.lstrip("+~").startswith(("output.results_dir=", "hydra.")) and "=/" not in o
    ]
    return shlex.join(["python", "-m", "simulation.run", "-m", *kept])


def report_command(sweep_name: str, lang: str, baseline: str) -> str:
    """The command that rebuilds this report from the sweep rebuilt by :func:`sweep_command`."""
    args = ["python", "-m", "simulation.report", f"results/sweeps/{sweep_name}", "--lang", lang]
    if baseline != "baseline":
        args += ["--baseline", baseline]
    return shlex.join(args)


def _data_uri(png: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(png.read_bytes()).decode("ascii")


def draw_figures(
    data: dict[str, Any], text: analysis.PlotText, short: Mapping[str, str], places: Mapping[str, str]
) -> dict[str, str]:
    """The report's figures, drawn with ``text``'s words, as PNG data URIs.

    The figures name the scenarios by their ``short`` labels (P1–P8 as in 004; the captions
    give the key), so that their words stay legible printed on A4; territories are named by
    their ``places`` names.
    """
    frames = dict(data["frames"])
    counts = frames["territory_counts"]
    frames["territory_counts"] = counts.assign(territory=counts["territory"].map(lambda t: places.get(t, t)))
    terse = dataclasses.replace(text, scenario_labels=short)
    with tempfile.TemporaryDirectory(prefix="ta-report-") as tmp:
        folder = Path(tmp)
        analysis.emergence_plot(frames["timeseries"], folder / "emergence.png", terse, dpi=FIGURE_DPI)
        analysis.cost_effectiveness_plot(
            frames["cost_effectiveness"].iloc[::-1], folder / "ce.png", terse, dpi=FIGURE_DPI
        )  # best at the top
        analysis.territory_plot(frames["territory_counts"], folder / "territories.png", terse, dpi=FIGURE_DPI)
        return {
            "emergence": _data_uri(folder / "emergence.png"),
            "cost_effectiveness": _data_uri(folder / "ce.png"),
            "territories": _data_uri(folder / "territories.png"),
        }


def render_html(data: dict[str, Any], lang: str, command: str) -> str:
    """The report in ``lang``, as one self-contained HTML document."""
    env = environment(lang)
    env.globals |= {
        "num": lambda key, value, digits=1, kind="decimal": i18n.number_span(key, value, lang, digits, kind),
        "doc": doc_reference,
        "lasting_months": data["compared"]["lasting_after_months"],
        "few_seeds": FEW_SEEDS,
        "interval_separator": i18n.interval_separator(lang),
        "list_separator": i18n.list_separator(lang),
    }
    labels = vars(env.get_template("labels.j2").module)  # the variables labels.j2 sets
    text = analysis.PlotText(
        **labels["plot_text"],
        scenario_labels=labels["scenario_labels"],
        number_format=lambda v: format_decimal(v, locale=lang),
    )
    report = {
        "version": package_version(),
        "git_revision": git_revision()["git_revision"],
        "date_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": command,
    }
    context = {k: v for k, v in data.items() if k != "frames"}
    return env.get_template("report.html.j2").render(
        lang=lang,
        report=report,
        figures=draw_figures(data, text, labels["scenario_short_labels"], labels["territory_labels"]),
        **context,
    )


def html_to_pdf(html: str, base: Path) -> bytes:
    """The HTML printed to PDF by WeasyPrint (its print CSS: A4, a page per section, page numbers)."""
    import weasyprint  # imported here: it loads pango, which the HTML report alone does not need

    pdf: bytes = weasyprint.HTML(string=html, base_url=str(base)).write_pdf()
    return pdf


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
    command = report_command(data["sweep"]["name"], lang, baseline)
    documents: dict[str, bytes] = {}
    for code in langs:
        html = render_html(data, code, command)
        documents[f"report.{code}.html"] = html.encode()
        if pdf:
            documents[f"report.{code}.pdf"] = html_to_pdf(html, out)
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
