"""The council report (simulation.report): both languages, the sweep's numbers, valid HTML, a PDF per section.

One small sweep (baseline, P3, P4 × 3 seeds, 48 months, a small real region: the Puy-de-Dôme) is run once
for the module through the same Hydra multirun command a user types, and the report
is built from it once in both languages through the report's own command. Every
number of the report carries its raw value (``data-value``) and key (``data-key``);
the tests recompute each one from the sweep's parquet files with scipy, independently
of ``simulation.study.analysis``, and check the formatted text against the raw value.
"""

from __future__ import annotations

import base64
import dataclasses
import io
import math
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

import html5lib
import numpy as np
import pandas as pd
import pytest
from babel.messages.extract import extract_from_dir
from babel.numbers import parse_decimal
from conftest import run_sweep, small_region
from PIL import Image
from scipy import optimize, stats

from simulation.config import Config, compose
from simulation.model.territory import region_table
from simulation.report import i18n
from simulation.report.build import LANGUAGES
from simulation.report.data import collect
from simulation.report.render import doc_reference, render_html

REPO = Path(__file__).resolve().parent.parent
REPORT_DIR = REPO / "simulation" / "report"
SCENARIOS = ("baseline", "p3_seed_grants", "p4_facilitation")
SEEDS = (0, 1, 2)
HORIZON = 48
#: The sweep's region: the Puy-de-Dôme's 14 EPCI (Auvergne-Rhône-Alpes' département 63), ~570 actors at the default
#: sample fraction (0.01). A small real region with a territory of each type (rural, peri-urban and the urban
#: Clermont Auvergne Métropole): the report shows lasting cooperations per type, and the class's Cantal has no
#: urban territory.
REGION = ("region=auvergne_rhone_alpes", "region.departements=['63']")


@pytest.fixture(scope="module")
def sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    results = tmp_path_factory.mktemp("report_sweep")
    return run_sweep(
        results,
        "council",
        f"scenario={','.join(SCENARIOS)}",
        f"seed={','.join(map(str, SEEDS))}",
        f"horizon_months={HORIZON}",
        *REGION,
    )


def _report_cmd(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "simulation.report", *args], cwd=REPO, capture_output=True, text=True, timeout=600
    )


@pytest.fixture(scope="module")
def report(sweep: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report")
    proc = _report_cmd(str(sweep), "--lang", "all", "--out", str(out))
    assert proc.returncode == 0, proc.stderr[-4000:]
    return out


def _html(report: Path, lang: str) -> str:
    return (report / f"report.{lang}.html").read_text()


class _Collector(HTMLParser):
    """Numbers (data-key spans), images, links, and text nodes outside code, numbers and foreign-language spans."""

    SKIP: ClassVar[set[str]] = {"code", "style", "title"}

    def __init__(self) -> None:
        super().__init__()
        self.numbers: dict[str, list[tuple[float, int, str]]] = {}
        self.images: list[str] = []
        self.links: list[str] = []
        self.texts: list[str] = []
        self._stack: list[tuple[str, bool, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in ("img", "meta", "br", "link"):
            if tag == "img":
                self.images.append(a["src"] or "")
            return
        skip = tag in self.SKIP or "data-key" in a or ("lang" in a and tag != "html")
        self._stack.append((tag, skip, a))
        if tag == "a":
            self.links.append(a.get("href") or "")
        if "data-key" in a:
            self._num = a
            self._num_text = ""

    def handle_endtag(self, tag: str) -> None:
        if tag in ("img", "meta", "br", "link"):
            return
        _, _, a = self._stack.pop()
        if "data-key" in a:
            key = a["data-key"] or ""
            entry = (float(a["data-value"] or "nan"), int(a["data-digits"] or 0), self._num_text)
            self.numbers.setdefault(key, []).append(entry)

    def handle_data(self, data: str) -> None:
        if self._stack and "data-key" in self._stack[-1][2]:
            self._num_text += data
        if not any(skip for _, skip, _ in self._stack) and data.strip():
            self.texts.append(data.strip())


def _parse(html: str) -> _Collector:
    c = _Collector()
    c.feed(html)
    return c


# ---------------------------------------------------------------------- catalogues


def _template_msgids() -> set[str]:
    method_map = [("templates/**.j2", "jinja2.ext.babel_extract")]
    options = {"templates/**.j2": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}}
    return {m[2] for m in extract_from_dir(str(REPORT_DIR), method_map, options)}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_template_string_has_a_translation(lang: str) -> None:
    catalogue = i18n.read_catalogue(lang)
    ids = {m.id for m in catalogue if m.id}
    assert ids == _template_msgids(), "catalogue and templates differ: run pybabel extract/update (README)"
    for m in catalogue:
        if m.id:
            forms = m.string if isinstance(m.string, tuple) else (m.string,)  # plural entries have several
            assert forms and all(f and f.strip() for f in forms), f"{lang}: no translation for {m.id!r}"
            assert not m.fuzzy, f"{lang}: fuzzy translation for {m.id!r}"
    problems = [(m.id, errs) for m, errs in catalogue.check()]
    assert not problems, problems  # e.g. python-format placeholders that differ


def test_no_english_left_in_the_french_report(report: Path) -> None:
    fr = _parse(_html(report, "fr"))
    en_catalogue = {m.id: m.string for m in i18n.read_catalogue("fr") if m.id}
    text = " ".join(fr.texts)
    for ids, french in en_catalogue.items():
        msgid = ids[0] if isinstance(ids, tuple) else ids
        english = re.sub(r"<[^>]+>|%\([a-z_]+\)s", "", msgid).replace("%%", "%")
        if msgid != french and len(english.split()) >= 3:
            for sentence in re.split(r"[.:;]\s", english):
                if len(sentence.split()) >= 4:
                    assert sentence not in text, f"English text in the French report: {sentence!r}"
    # Every text node of the French report comes from the French catalogue (or is punctuation / a code).
    french_text = " ".join(
        " ".join(m.string) if isinstance(m.string, tuple) else m.string for m in i18n.read_catalogue("fr") if m.id
    )
    for node in fr.texts:
        words = re.findall(r"[^\W\d_]{4,}", node)
        for w in words:
            assert w in french_text, f"{w!r} ({node!r}) is in the report but in no French translation"


# ---------------------------------------------------------------------- numbers


def _t_interval(values: np.ndarray) -> tuple[float, float, float]:
    v = values[~np.isnan(values)]
    mean = float(v.mean())
    if len(v) < 2:
        return mean, math.nan, math.nan
    if v.std(ddof=1) == 0:  # every seed alike: the interval is the point (as the analysis says it)
        return mean, mean, mean
    lo, hi = stats.t.interval(0.95, len(v) - 1, loc=mean, scale=v.std(ddof=1) / math.sqrt(len(v)))
    return mean, float(lo), float(hi)


def _ratio(delta: np.ndarray, extra: np.ndarray) -> float:
    """mean(Δ indicator) / mean(M€ spent on the levers), NaN where that mean is not positive."""
    return float(delta.mean() / extra.mean()) if extra.mean() > 0 else math.nan


def _per_meur(delta: np.ndarray, extra: np.ndarray) -> tuple[float, float, float]:
    """The per-M€ value and its 95% interval: the ratios ρ that a paired t-test of delta − ρ·extra (README
    "Council report": Fieller's interval) does not reject, found here as the roots of that test's boundary."""
    n = len(delta)
    t = stats.t.ppf(0.975, n - 1)

    def excess(rho: float) -> float:  # |t statistic| − t: negative inside the interval
        v = delta - rho * extra
        return abs(v.mean()) / (v.std(ddof=1) / math.sqrt(n)) - t

    value = _ratio(delta, extra)
    if n < 2 or math.isnan(value):
        return value, math.nan, math.nan
    span = 1e3 * (1 + abs(value))
    if excess(value) >= 0:  # even the point is rejected: a degenerate sample (every seed alike)
        return value, math.nan, math.nan
    # an end the test never rejects is unbounded (Fieller: the extra money not above zero beyond the noise)
    lo = optimize.brentq(excess, value - span, value) if excess(value - span) > 0 else -math.inf
    hi = optimize.brentq(excess, value, value + span) if excess(value + span) > 0 else math.inf
    return value, lo, hi


def _vs_leader(lead: tuple[np.ndarray, np.ndarray], other: tuple[np.ndarray, np.ndarray]) -> tuple[float, float, float]:
    """other's per-M€ value − the leader's, and the t-interval of the seed-by-seed linearised ratios."""
    z = []
    point = _ratio(*other) - _ratio(*lead)
    for _, extra in (lead, other):  # a ratio whose money is not above zero beyond the noise: unbounded
        _, money_low, _ = _t_interval(extra)
        if np.isfinite(point) and money_low <= 0:
            return point, -math.inf, math.inf
    for delta, extra in (lead, other):
        r = _ratio(delta, extra)
        z.append((delta - r * extra) / extra.mean())
    _, lo, hi = _t_interval(z[1] - z[0])
    return point, point + lo, point + hi


def _expected_by_type(summary: pd.DataFrame, registry: pd.DataFrame, scenarios: list[str]) -> dict[str, float]:
    """Lasting cooperations per type of territory (the region's official territories), counted run by run from the
    registry in real units (each simulated project stands for ``weight`` real ones), per 10,000 real inhabitants."""
    table = region_table(compose(list(REGION)).region)
    kind = dict(zip(table["name"], table["type"], strict=True))
    population = dict(zip(table["name"], table["population"].astype(float), strict=True))
    types = sorted(set(kind.values()))
    lasting = registry[registry["outcome"] == "lasting"].assign(type=lambda r: r["territory"].map(kind))
    assert lasting["type"].notna().all(), "every project's territory is one of the region's"
    real = lasting.groupby(["scenario", "seed", "type"])["weight"].sum()  # real lasting cooperations
    count = {
        (s, seed, ty): float(real.get((s, seed, ty), 0.0))
        for s in scenarios
        for seed in summary.loc[s].index
        for ty in types
    }
    e: dict[str, float] = {}
    for s in scenarios:
        seeds = list(summary.loc[s].index)
        total = np.mean([sum(count[s, seed, ty] for ty in types) for seed in seeds])
        for ty in types:
            k = f"types.{s}.{ty}"
            values = np.array([count[s, seed, ty] for seed in seeds], dtype=float)
            people = sum(population[t] for t in kind if kind[t] == ty)
            e[f"{k}.lasting"] = float(values.mean())
            e[f"{k}.lasting_per_10k"] = float(values.mean()) / (people / 1e4)
            e[f"{k}.share"] = float(values.mean() / total) if total > 0 else math.nan
            e[f"{k}.population_share"] = people / sum(population.values())
            if s == "baseline":
                continue  # its own differences are not shown
            base = np.array([count["baseline", seed, ty] for seed in seeds], dtype=float)
            mean, lo, hi = _t_interval(values - base)
            e[f"{k}.difference"], e[f"{k}.difference_ci_low"], e[f"{k}.difference_ci_high"] = mean, lo, hi
    return e


def _expected_from_docs() -> dict[str, float]:
    """The numbers the report quotes from the project's own records: the calibration's file and the ranking over
    plausible worlds (docs/sensitivity/worlds/summary.json), read here straight from the files."""
    import json

    import yaml

    from simulation.report.records import WORLDS_SUMMARY

    calibration = yaml.safe_load((REPO / "configs" / "calibration" / "phare2015.yaml").read_text())["calibration"]
    e = {"calibration.n_parameters": float(len(calibration["priors_uniform"]))}
    if WORLDS_SUMMARY.is_file():
        worlds = json.loads(WORLDS_SUMMARY.read_text())
        e["worlds.n"], e["worlds.seeds"] = float(worlds["worlds"]), float(worlds["seeds"])
        for lever, v in worlds["levers"].items():
            e[f"worlds.share.{lever}"] = e[f"worlds.levers.{lever}.lead_share"] = v["lead_share"]
            e[f"worlds.levers.{lever}.value"] = v["value"]
            e[f"worlds.levers.{lever}.low"], e[f"worlds.levers.{lever}.high"] = v["interval90"]

        # the box quoted: that of the lever leading most often (in at least a tenth of the worlds) whose box keeps at
        # most half the range of the parameter it narrows most, and that parameter's bounds
        def kept(b: dict) -> float:
            return (b["high"] - b["low"]) / (b["range"][1] - b["range"][0])

        quoted = [
            (worlds["levers"][lever]["lead_share"], min(boxes[0]["box"], key=kept), boxes[0]["density"])
            for lever, boxes in worlds["depends_on"].items()
            if boxes and boxes[0]["box"] and worlds["levers"][lever]["lead_share"] >= 0.1
        ]
        quoted = [q for q in quoted if kept(q[1]) <= 0.5]
        if quoted:
            share, narrowest, density = max(quoted, key=lambda q: q[0])
            e["worlds.depends.low"], e["worlds.depends.high"] = narrowest["low"], narrowest["high"]
            e["worlds.depends.density"], e["worlds.depends.share"] = density, share
    return e


def _expected(sweep: Path) -> dict[str, float]:
    """Every number the report shows, recomputed from the sweep's parquet files."""
    # Sorted by seed: the leader and a lever are paired seed by seed (the rows' order in the parquet files
    # depends on which job finished first).
    summary = pd.read_parquet(sweep / "summary").astype({"scenario": str}).set_index(["scenario", "seed"]).sort_index()
    spending = pd.read_parquet(sweep / "spending").astype({"scenario": str, "channel": str})
    registry = pd.read_parquet(sweep / "registry").astype({"scenario": str, "territory": str})
    scenarios = sorted(summary.index.get_level_values(0).unique())
    years = HORIZON / 12
    e: dict[str, float] = {
        "compared.n_runs": len(summary),
        "compared.n_scenarios": len(scenarios),
        "compared.horizon_months": HORIZON,
        "compared.horizon_years": years,
        "territories.n": float(summary["territories"].iloc[0]),
        "compared.lasting_after_months": 36,
        **_expected_from_docs(),
    }
    base = summary.loc["baseline"]
    per_meur_means, pairs = {}, {}
    for s in scenarios:
        runs = summary.loc[s]
        e[f"compared.{s}.n_seeds"] = len(runs)
        lever = spending[(spending.scenario == s) & spending.channel.str.startswith("lever:")]
        by_seed = lever.groupby("seed")["public_eur"].sum().reindex(runs.index, fill_value=0.0)
        e[f"compared.{s}.lever_eur_per_year"] = float(by_seed.mean() / years)
        policies = compose([f"scenario={s}"]).policies
        equal = policies.equal_budget_eur_per_year if policies.levers else None
        total = sum(lever.budget_eur_per_year for lever in policies.levers)
        e[f"compared.{s}.lever_budget_eur_per_year"] = float(equal if equal is not None else total)
        if s == "baseline":
            continue
        e[f"ce.{s}.extra_public_meur"] = float(
            ((runs["public_eur_cumulative"] - base["public_eur_cumulative"]) / 1e6).mean()
        )
        # the per-M€ denominator: what the scenario's levers spent, from the spending records (the baseline's: none)
        extra = by_seed / 1e6
        e[f"ce.{s}.n_seeds"] = len(runs)
        for ind in ("lasting_cooperations", "jobs_created_cumulative", "projects_launched_cumulative"):
            delta = (runs[ind] - base[ind]).to_numpy(dtype=float)
            mean, lo, hi = _per_meur(delta, extra.to_numpy(dtype=float))
            for prefix in ("ce", "rank"):
                e[f"{prefix}.{s}.{ind}_per_meur"] = mean
                e[f"{prefix}.{s}.{ind}_per_meur_ci_low"] = lo
                e[f"{prefix}.{s}.{ind}_per_meur_ci_high"] = hi
            if ind == "lasting_cooperations":
                per_meur_means[s], pairs[s] = mean, (delta, extra.to_numpy(dtype=float))
        for ind in ("lasting_cooperations", "successes_cumulative", "jobs_created_cumulative"):
            mean, lo, hi = _t_interval((runs[ind] - base[ind]).to_numpy(dtype=float))
            e[f"rank.{s}.{ind}_difference"] = mean
            e[f"rank.{s}.{ind}_difference_ci_low"] = lo
            e[f"rank.{s}.{ind}_difference_ci_high"] = hi
    budgets = {e[f"compared.{s}.lever_budget_eur_per_year"] for s in scenarios if s != "baseline"}
    if len(budgets) == 1:
        e["compared.equal_budget"] = budgets.pop()
    order = sorted(per_meur_means, key=lambda s: (math.isnan(per_meur_means[s]), -per_meur_means[s]))
    for i, s in enumerate(order, start=1):
        e[f"rank.{s}.rank"] = i
        if i > 1:  # the paired difference from the leader, on the same seeds
            point, lo, hi = _vs_leader(pairs[order[0]], pairs[s])
            e[f"rank.{s}.vs_leader"] = point
            e[f"rank.{s}.vs_leader_ci_low"], e[f"rank.{s}.vs_leader_ci_high"] = lo, hi
    e["compared.min_seeds"] = min(len(summary.loc[s]) for s in scenarios)
    e["compared.few_seeds"] = 20  # the report flags fewer random draws than this
    e |= _expected_by_type(summary, registry, scenarios)
    # Territories without an active project at the horizon, per scenario and run.
    territories = sorted(registry["territory"].unique())
    for s in scenarios:
        runs = summary.loc[s].index
        e[f"territories.{s}.runs"] = len(runs)
        active = registry[(registry.scenario == s) & (registry.outcome != "failed")]
        for t in territories:
            without = sum(1 for seed in runs if not ((active.seed == seed) & (active.territory == t)).any())
            if without:
                e[f"territories.{s}.{t}.runs_without"] = without
    return e


def _parse_number(text: str, lang: str) -> float:
    if text.strip() == i18n.MISSING:
        return math.nan
    cleaned = text.replace("€", "").strip().strip("\u00a0\u202f ")
    if cleaned.lstrip("-−+") == "∞":  # an unbounded end of an interval (Fieller's, when the money is noise)
        return -math.inf if cleaned[0] in "-−" else math.inf
    if cleaned.endswith("%"):  # a share shown as a percentage: "80 %" is 0.8
        return float(parse_decimal(cleaned.rstrip("%").strip("\u00a0\u202f "), locale=lang)) / 100
    return float(parse_decimal(cleaned, locale=lang))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_number_equals_the_one_computed_from_the_sweep(report: Path, sweep: Path, lang: str) -> None:
    shown = _parse(_html(report, lang)).numbers
    expected = _expected(sweep)
    assert shown, "no number found"
    for key, entries in shown.items():
        assert key in expected, f"{key} is shown but not checked by this test (or is a number it does not expect)"
        for value, digits, text in entries:
            want = expected[key]
            assert (math.isnan(value) and math.isnan(want)) or math.isclose(value, want, rel_tol=1e-9, abs_tol=1e-9), (
                key,
                value,
                want,
            )
            parsed = _parse_number(text, lang)  # the formatted text says the same, to its precision
            same_infinity = math.isinf(parsed) and parsed == value
            assert (
                (math.isnan(parsed) and math.isnan(value))
                or same_infinity
                or abs(parsed - value) <= 0.5 * 10**-digits + 1e-9
            ), (
                key,
                text,
                value,
            )
    # The headline numbers are all there: every lever's rank, per-M€ and interval; every scenario's seeds.
    for s in SCENARIOS:
        assert f"compared.{s}.n_seeds" in shown
        if s != "baseline":
            for suffix in ("rank", "lasting_cooperations_per_meur", "lasting_cooperations_per_meur_ci_low"):
                assert f"rank.{s}.{suffix}" in shown
    without = {k for k in expected if k.endswith(".runs_without")}
    assert without <= set(shown), "every territory left without a project is named"


@pytest.mark.parametrize(
    ("lang", "where", "none"),
    [
        ("en", "Where cooperations last.", "No lever adds lasting cooperations"),
        ("fr", "Où les coopérations durent.", "Aucun levier n’ajoute"),
    ],
)
def test_the_brief_says_in_which_territories_cooperations_last(
    report: Path, sweep: Path, lang: str, where: str, none: str
) -> None:
    """Per type of territory: the baseline's lasting cooperations per 10,000 inhabitants, and the lever adding the
    most beyond the noise (interval above zero), or a sentence saying that none does."""
    e = _expected(sweep)
    html = _html(report, lang)
    brief = html[: html.index('id="compared"')]
    shown = _parse(brief).numbers
    types = ("rural", "peri_urban", "urban")
    assert where in brief and all(f"types.baseline.{ty}.lasting_per_10k" in shown for ty in types)
    leaders = {}  # every lever tied for the largest difference whose interval is above zero
    for ty in types:
        added = {
            s: e[f"types.{s}.{ty}.difference"] for s in SCENARIOS[1:] if e[f"types.{s}.{ty}.difference_ci_low"] > 0
        }
        if added:
            leaders[ty] = {s for s, d in added.items() if d == max(added.values())}
    named = {k for k in shown if k.endswith(".difference")}
    assert named == {f"types.{s}.{ty}.difference" for ty, best in leaders.items() for s in best}
    assert (none in brief) == (not leaders)
    section = html[html.index('<section id="territories"') : html.index('<section id="caveats"')]
    levers_by_type = {k for k in _parse(section).numbers if k.startswith("types.") and k.endswith(".difference")}
    assert levers_by_type == {f"types.{s}.{ty}.difference" for s in SCENARIOS[1:] for ty in types}


def test_french_and_english_show_the_same_numbers(report: Path) -> None:
    fr, en = (_parse(_html(report, lang)).numbers for lang in ("fr", "en"))
    assert fr.keys() == en.keys()
    for key in fr:
        assert [v for v, _, _ in fr[key]] == pytest.approx([v for v, _, _ in en[key]], nan_ok=True), key


def test_a_package_of_levers_is_given_its_equal_budget() -> None:
    """The CESER package splits one lever's budget over P1–P8: its configured budget is that one budget, and
    each lever the model makes is given an equal share of it."""
    from simulation.model.model import TerritorialModel
    from simulation.policies import yearly_budget_eur

    package = compose(["scenario=ceser_package", *small_region(0.3)])
    assert package.policies.equal_budget_eur_per_year is not None and len(package.policies.levers) == 8
    assert yearly_budget_eur(package.policies) == package.policies.equal_budget_eur_per_year
    made = [p.real_budget_eur_per_year for p in TerritorialModel(package).policies]  # the real region's budgets
    assert made == pytest.approx([package.policies.equal_budget_eur_per_year / 8] * 8, rel=1e-15)
    assert yearly_budget_eur(compose(["scenario=p3_seed_grants"]).policies) == 250_000
    assert yearly_budget_eur(compose([]).policies) == 0


def test_the_report_reads_the_configurations_the_sweep_stored(
    sweep: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Budgets, region and checks come from what the runs stored (their summary, the sweep's configurations and
    territories), even when the config files have changed since; a sweep that stored no configuration has it
    composed again, and a change is flagged."""
    import simulation.report.data as report_data

    def changed_since(overrides: list[str]) -> Config:  # the levers' budget changed in configs/ after the sweep
        return compose([*overrides, "policies.equal_budget_eur_per_year=123456"])

    # The territories the sweep stored (what the report reads) are the region's official ones: names, types and
    # real populations.
    from simulation.runs.datasets import read_territories

    table = region_table(compose(list(REGION)).region)
    for config_id in pd.read_parquet(sweep / "summary")["config_id"].unique():
        territories = read_territories(sweep, str(config_id))
        assert territories is not None, config_id
        assert territories["territory"].tolist() == table["name"].tolist()
        assert territories["type"].tolist() == table["type"].tolist()
        assert territories["population"].tolist() == table["population"].astype(float).tolist()

    monkeypatch.setattr(report_data, "compose", changed_since)
    stored = collect(sweep)
    assert {s.config_check for s in stored.compared.scenarios} == {"stored"}
    assert stored.configs_match
    budgets = {s.name: s.lever_budget_eur_per_year for s in stored.compared.scenarios}
    assert budgets == {"baseline": 0.0, "p3_seed_grants": 250_000.0, "p4_facilitation": budgets["p4_facilitation"]}
    assert budgets["p4_facilitation"] == compose(["scenario=p4_facilitation"]).policies.levers[0].budget_eur_per_year

    older = tmp_path / "older"
    shutil.copytree(sweep, older)
    shutil.rmtree(older / "configs")
    recomposed = collect(older)
    assert {s.config_check for s in recomposed.compared.scenarios} == {"differs"}
    assert not recomposed.configs_match
    # the budget is the one the runs recorded in their summary, whatever today's files say
    assert recomposed.compared.scenarios[1].lever_budget_eur_per_year == 250_000

    damaged = tmp_path / "damaged"  # stored by a version of the model with another schema: composed again
    shutil.copytree(sweep, damaged)
    for path in (damaged / "configs").glob("*.yaml"):
        path.write_text(path.read_text() + "a_key_of_another_version: 1\n")
    with pytest.warns(UserWarning, match="not a configuration this version of the model can read"):
        fallback = collect(damaged)
    assert {s.config_check for s in fallback.compared.scenarios} == {"differs"}
    monkeypatch.setattr(report_data, "compose", compose)
    assert {s.config_check for s in collect(older).compared.scenarios} == {"match"}


def test_the_ranking_sentences_state_the_plausible_worlds(report: Path) -> None:
    """Page 1 and the caveats say what the ranking over plausible worlds holds (docs/sensitivity/worlds/summary.json,
    made by ``python -m simulation.sensitivity worlds``): how many worlds, each lever's share of worlds led, its
    value and interval, and the parameter the leader's lead depends on most; or, without it, that the ranking has
    not been tested across the uncertain parameters."""
    import json

    from simulation.report.records import WORLDS_SUMMARY

    text = " ".join(re.sub(r"<[^>]+>", "", _html(report, "en")).split())
    if not WORLDS_SUMMARY.is_file():
        assert "The ranking has not been tested across the uncertain parameters" in text
        return
    summary = json.loads(WORLDS_SUMMARY.read_text())
    n = f"{summary['worlds']:,}"
    assert f"Across {n} plausible worlds of the region {summary['setting']['region']}" in text  # (named: a council's
    # report on another region reads whose worlds they are)
    assert f"{summary['seeds']} random draws each" in text
    levers = sorted(summary["levers"].items(), key=lambda kv: -kv[1]["lead_share"])
    for lever, v in levers:
        share = i18n.percent(v["lead_share"], "en")
        low, high = (i18n.decimal(x, "en", 1) for x in v["interval90"])
        assert f"{i18n.decimal(v['value'], 'en', 1)} [{low}, {high}], first in {share}" in text, lever
    top_share = levers[0][1]["lead_share"]
    assert f"in {i18n.percent(top_share, 'en')} of them" in text
    assert ("This is a quick ranking" in text) == (summary["worlds"] < 50)


def test_numbers_follow_each_locale() -> None:
    assert i18n.decimal(1234.5, "fr") == "1\u202f234,5"
    assert i18n.decimal(1234.5, "en") == "1,234.5"
    assert i18n.euros(250000, "fr") == "250\u202f000\u00a0€" and i18n.euros(250000, "en") == "€250,000"


# ---------------------------------------------------------------------- HTML and PDF


@pytest.mark.parametrize("lang", LANGUAGES)
def test_html_is_valid_self_contained_and_its_images_load(report: Path, lang: str) -> None:
    html = _html(report, lang)
    html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(html)  # raises on any parse error
    assert f'<html lang="{lang}">' in html
    c = _parse(html)
    assert len(c.images) == 3
    for src in c.images:
        assert src.startswith("data:image/png;base64,"), src[:40]
        with Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1]))) as im:
            im.verify()
            assert im.format == "PNG" and im.size[0] > 500
    assert not re.search(r"""src=["']https?:""", html), "the report loads nothing from the network"
    assert "<link" not in html


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_path_of_this_machine_in_the_report(report: Path, sweep: Path, lang: str) -> None:
    html = _html(report, lang)
    for path in {str(REPO), str(sweep), str(report), str(Path.home())}:
        assert path not in html
    assert "../" not in html and not re.search(r"""href=["'](?!https://|#)""", html), "links are https or in-page"
    prov = html[html.index('id="provenance"') :]
    assert "<code>python -m simulation.run -m " in prov
    assert " scenario=baseline,p3_seed_grants,p4_facilitation seed=0,1,2 " in prov
    assert "output.sweep_name=council" in prov and "output.results_dir" not in prov
    assert "python -m simulation.report results/sweeps/council --lang all" in prov


def test_doc_links_point_at_the_remote_at_this_revision(monkeypatch: pytest.MonkeyPatch) -> None:
    from simulation.report import render

    monkeypatch.setattr(render, "_https_remote", lambda: None)
    assert doc_reference("docs/ODD.md", "7.9")["href"] is None  # no remote: plain text
    monkeypatch.setattr(render, "_https_remote", lambda: "https://example.org/ta/territorial-alliances")
    ref = doc_reference("docs/ODD.md", "7.9")
    rev = render.git_revision()["git_revision"]
    assert (
        ref["href"]
        == f"https://example.org/ta/territorial-alliances/blob/{rev}/docs/ODD.md#" + ref["href"].split("#")[1]
    )


def test_intervals_horizon_and_lasting_follow_the_sweep_and_locale(report: Path) -> None:
    en, fr = _html(report, "en"), _html(report, "fr")
    assert re.search(r'</span>, <span class="num" data-key="[^"]+_ci_high"', en)  # [0.2, 10.5]
    assert re.search(r'</span> ; <span class="num" data-key="[^"]+_ci_high"', fr)  # [0,2 ; 10,5]
    years = r'<span class="num" data-key="compared.horizon_years" data-value="4.0" data-digits="0">4</span>'
    assert re.search(r"<h2>3\. Emergence over " + years + " years</h2>", en)
    assert re.search(r"<h2>3\. Émergence sur " + years + " ans</h2>", fr)
    assert "décennie" not in fr and "decade" not in en and "36 months or more" not in en
    assert 'data-key="compared.lasting_after_months" data-value="36.0"' in en
    assert "no cooperation can count as lasting" not in en  # 48 months > 36


def test_a_horizon_too_short_for_lasting_cooperations_is_flagged(sweep: Path) -> None:
    data = collect(sweep)
    data.compared = dataclasses.replace(data.compared, lasting_after_months=48, nothing_can_last=True)
    brief = render_html(data, "en", "cmd")
    brief = brief[: brief.index('id="compared"')]
    assert "Warning: no cooperation can count as lasting." in brief
    assert "Attention\u00a0: aucune coopération ne peut compter comme durable." in render_html(data, "fr", "cmd")


def _pdf_pages(pdf: Path, folder: Path) -> list[Path]:
    subprocess.run(["pdftoppm", "-png", "-r", "40", str(pdf), str(folder / "page")], check=True, timeout=300)
    return sorted(folder.glob("page-*.png"))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_pdf_renders_a_page_or_more_per_section(report: Path, lang: str, tmp_path: Path) -> None:
    pdf = report / f"report.{lang}.pdf"
    assert pdf.read_bytes()[:5] == b"%PDF-"
    pages = _pdf_pages(pdf, tmp_path)
    headings = re.findall(r"<h2>(.*?)</h2>", _html(report, lang))
    sections = _html(report, lang).count("<section ")
    assert sections == 8 and len(headings) == 7
    assert len(pages) >= sections, "each section starts a new page"
    for page in pages:
        with Image.open(page) as im:
            lo, hi = im.convert("L").getextrema()
            assert lo < 128 and hi > 200, f"{page.name} is blank"
    # Each numbered section starts at the top of its own page, in order.
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    page_texts = text.split("\f")
    starts = []
    for h in headings:
        title = re.sub(r"<[^>]+>", "", h).replace("&#39;", "'").replace("&amp;", "&")
        found = [i for i, p in enumerate(page_texts) if p.strip().startswith(title)]
        assert found, f"section {title!r} does not start a page"
        starts.append(found[0])
    assert starts == sorted(starts) and len(set(starts)) == len(starts)


# ---------------------------------------------------------------------- bad input


def test_bad_input_is_refused_before_anything_is_written(sweep: Path, report: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    empty = tmp_path / "empty_sweep"
    for table in ("summary", "timeseries", "spending"):
        shutil.copytree(sweep / table, empty / table)
    (empty / "registry").mkdir()
    cases = [
        ((str(tmp_path / "nowhere"), "--lang", "fr"), "nowhere"),
        ((str(sweep), "--lang", "de"), "unknown language 'de': allowed values are fr, en, all"),
        ((str(sweep), "--lang", "fr", "--baseline", "p9_magic"), "no run of the baseline scenario 'p9_magic'"),
        ((str(tmp_path),), "is not a complete sweep folder"),
        ((str(empty),), f"{str(empty)!r} is not a complete sweep folder: its registry dataset(s) hold no parquet"),
    ]
    for args, message in cases:
        proc = _report_cmd(*args, "--out", str(out))
        assert proc.returncode == 2 and message in proc.stderr, proc.stderr
        assert not out.exists(), "nothing is written on bad input"
    # An earlier report survives a failed rebuild untouched.
    before = {p.name: p.read_bytes() for p in report.iterdir()}
    proc = _report_cmd(str(sweep), "--lang", "fr", "--baseline", "p9_magic", "--out", str(report))
    assert proc.returncode == 2
    assert {p.name: p.read_bytes() for p in report.iterdir()} == before


def test_out_pointing_at_a_file_is_refused_before_rendering(sweep: Path, tmp_path: Path) -> None:
    target = tmp_path / "report.pdf"
    target.write_bytes(b"not a folder")
    proc = _report_cmd(str(sweep), "--lang", "fr", "--no-pdf", "--out", str(target))
    assert proc.returncode == 2 and f"--out {str(target)!r} exists and is not a folder" in proc.stderr, proc.stderr
    assert target.read_bytes() == b"not a folder"


@pytest.mark.parametrize("panels", [1, 4, 9])
def test_the_emergence_figures_axis_label_clears_its_tick_labels(panels: int) -> None:
    """The shared y label sits left of the longest tick label ("160,000"), not over it, however many panels."""
    from simulation.report.figures import emergence_figure

    scenarios = ["baseline", *(f"s{i}" for i in range(panels))]
    months = np.arange(121)
    ts = pd.DataFrame(
        [(s, seed, m, 160_000 * (m / 120) ** 1.3 + seed) for s in scenarios for seed in range(3) for m in months],
        columns=["scenario", "seed", "month", "active_cooperations"],
    )
    words = {"year": "year", "active_cooperations": "active cooperations (mean and 95% band)", "scenario_curve": "x"}
    fig = emergence_figure(ts, scenarios, "baseline", words, {}, lambda v: f"{v:,.0f}", height_in=8.0)
    renderer = fig.canvas.get_renderer()
    fig.draw(renderer)
    label = fig._supylabel.get_window_extent(renderer)
    ticks = [t.get_window_extent(renderer) for ax in fig.axes for t in ax.get_yticklabels() if t.get_visible()]
    ticks = [t for t in ticks if t.width > 0]
    assert ticks and label.x1 < min(t.x0 for t in ticks), (label, min(t.x0 for t in ticks))
    assert label.x0 >= 0, "the label is on the page"
