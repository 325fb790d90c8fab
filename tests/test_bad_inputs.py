# ruff: noqa: E501  (the corpus is a table: one case a line)
"""A corpus of bad inputs, each refused cleanly (issue "Sweeps that cannot lose or invent data, and limits
that hold", §7).

Every case asserts that the input is refused with a message naming the key, value or file at fault and what
is allowed (a regular expression per case), without a traceback, and that nothing is written: the results
folder given by ``output.results_dir`` stays absent (a sweep's folder is not created, or holds no dataset),
an analysis, report, sensitivity design or calibration writes no file.

Most cases call the library (:func:`simulation.config.compose` must raise :class:`ConfigError`); :data:`CLI`
goes through the real command lines in subprocesses (``simulation.run``, single runs and sweeps, and
``simulation.analysis``, ``simulation.report``, ``simulation.sensitivity``, ``simulation.calibration`` once
each); :data:`MAIN` calls those four commands' ``main(argv)`` in the test's process (the same code, without a
start-up of seconds each). A case marked xfail is an input not refused cleanly yet: its reason says where the
fix belongs. The files some cases read are in ``tests/bad_inputs/``.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from simulation.config import ConfigError, compose

REPO = Path(__file__).resolve().parent.parent
BAD_FILES = Path(__file__).resolve().parent / "bad_inputs"
LONG = "a" * 300
TERRITORIES = BAD_FILES / "territories"


def case(case_id: str, overrides: str | list[str], pattern: str, xfail: str | None = None) -> object:
    """A library case: overrides (space-separated, or a list), and the regex its message must match."""
    args = overrides.split() if isinstance(overrides, str) else overrides
    marks = [pytest.mark.xfail(reason=xfail, strict=True)] if xfail else []
    return pytest.param(args, pattern, id=case_id, marks=marks)


P2_AT_MAXIMA = (
    "policies=p2 +policies.levers.0.params.participants_per_event=500 "
    "+policies.levers.0.params.meetings_per_participant=50 +policies.levers.0.params.cost_per_event_eur=500 "
    "policies.levers.0.budget_eur_per_year=100000000"
)
LEVER_NAMES = r"allowed values are p1_communication, p2_creative_evenings, .*attractiveness"

LIBRARY = [
    # ---- encounters
    case("encounters-network-high", "encounters.network_per_month=21", r"encounters\.network_per_month = 21\.0: must be <= 20"),
    case("encounters-repeat-negative", "encounters.repeat_contact_share=-0.1", r"repeat_contact_share = -0\.1: must be >= 0"),
    case("encounters-cross-sector-high", "encounters.cross_sector_acceptance=1.5", r"cross_sector_acceptance = 1\.5: must be <= 1"),
    case("encounters-introductions-high", "encounters.facilitator_introductions_per_month=201", r"facilitator_introductions_per_month = 201\.0: must be <= 200"),
    case("encounters-initial-ties-high", "encounters.initial_ties_per_actor=51", r"initial_ties_per_actor = 51\.0: must be <= 50"),
    # ---- trust
    case("trust-decay-high", "trust.decay_per_month=1.5", r"trust\.decay_per_month = 1\.5: must be <= 1"),
    case("trust-success-negative", "trust.success_gain=-0.2", r"trust\.success_gain = -0\.2: must be >= 0"),
    case("trust-failure-below-success", "trust.failure_loss=0.2", r"trust\.failure_loss = 0\.2: must exceed trust\.success_gain"),
    case("trust-generalised-weight-high", "trust.generalised_weight=6", r"trust\.generalised_weight = 6\.0: must be <= 5"),
    case("trust-prune-high", "trust.prune_below=2", r"trust\.prune_below = 2\.0: must be <= 1"),
    # ---- ideas
    case("ideas-firm-rate-5", "ideas.rate_per_month.firm=5", r"ideas\.rate_per_month\.firm = 5\.0: must be <= 1 \(a monthly probability\)"),
    case("ideas-rate-negative", "ideas.rate_per_month.association=-0.01", r"ideas\.rate_per_month\.association = -0\.01: must be >= 0"),
    case("ideas-lifetime-zero", "ideas.lifetime_months=0", r"ideas\.lifetime_months = 0: must be >= 1"),
    case("ideas-half-saturation-zero", "ideas.need_half_saturation_per_10k=0", r"need_half_saturation_per_10k = 0\.0: must be > 0"),
    case("ideas-exponent-low", "ideas.need_saturation_exponent=0.4", r"need_saturation_exponent = 0\.4: must be >= 0\.5"),
    case("ideas-follow-up-high", "ideas.follow_up_probability=1.01", r"follow_up_probability = 1\.01: must be <= 1"),
    # ---- alliances
    case("alliances-partners-zero", "alliances.max_partners=0", r"alliances\.max_partners = 0: must be >= 1"),
    case("alliances-partners-high", "alliances.max_partners=1000", r"alliances\.max_partners = 1000: must be <= \d+"),
    case("alliances-trust-high", "alliances.min_partner_trust=1.01", r"min_partner_trust = 1\.01: must be <= 1"),
    case("alliances-capacity-negative", "alliances.facilitator_project_capacity=-1", r"facilitator_project_capacity = -1: must be >= 0"),
    # ---- funding
    case("funding-shares-not-1", "funding.public_share=0.5", r"public_share \+ private_share \+ revenue_share \+ volunteering_share = 1\.25: must sum to 1"),
    case("funding-shares-public-led", "funding=public_led funding.revenue_share=0.9", r"must sum to 1 for rule 'public_led'"),
    case("funding-unknown-rule", "funding.rule=magic_rule", r"funding\.rule = 'magic_rule': allowed values are four_tiers, public_led"),
    case("funding-match-ratio-high", "funding.match_ratio=11", r"funding\.match_ratio = 11\.0: must be <= 10"),
    case("funding-budget-2e9", "funding.budget_eur.housing=2e9", r"funding\.budget_eur\.housing = 2000000000\.0: must be <= 1e\+09 \(euros\)"),
    case("funding-budget-negative", "funding.budget_eur.mobility=-1", r"funding\.budget_eur\.mobility = -1\.0: must be >= 0"),
    case("funding-sigma-high", "funding.budget_sigma=4", r"funding\.budget_sigma = 4\.0: must be <= 3"),
    # ---- projects
    case("projects-duration-high", "projects.duration_months.seed=241", r"projects\.duration_months\.seed = 241\.0: must be <= 240 \(months\)"),
    case("projects-hazard-high", "projects.base_hazard_per_month.deployment=1.5", r"base_hazard_per_month\.deployment = 1\.5: must be <= 1 \(a monthly probability\)"),
    case("projects-lasting-zero", "projects.lasting_after_months=0", r"projects\.lasting_after_months = 0: must be >= 1"),
    case("projects-effect-high", "projects.coverage_effect=21", r"projects\.coverage_effect = 21\.0: must be <= 20"),
    case("projects-moral-hazard-high", "projects.moral_hazard_per_month=2", r"moral_hazard_per_month = 2\.0: must be <= 1"),
    # ---- outcomes
    case("outcomes-eur-per-job-zero", "outcomes.budget_eur_per_job=0", r"outcomes\.budget_eur_per_job = 0\.0: must be > 0"),
    case("outcomes-margin-high", "outcomes.profit_margin=1.2", r"outcomes\.profit_margin = 1\.2: must be <= 1"),
    case("outcomes-alliance-multiplier-high", "outcomes.alliance_value_multiplier=101", r"alliance_value_multiplier = 101\.0: must be <= 100"),
    case("outcomes-reinvested-negative", "outcomes.reinvested_share=-0.3", r"outcomes\.reinvested_share = -0\.3: must be >= 0"),
    # ---- shocks
    case("shocks-start-beyond-horizon", "shocks=covid_year4 shocks.events.0.start_month=500", r"shocks\.events\[0\]\.start_month = 500: must be < horizon_months \(120\)"),
    case("shocks-start-beyond-short-horizon", "shocks=covid_year4 horizon_months=24", r"shocks\.events\[0\]\.start_month = \d+: must be < horizon_months \(24\)"),
    case("shocks-start-above-limit", "shocks=covid_year4 shocks.events.0.start_month=5000", r"start_month = 5000: must be <= 1200"),
    case("shocks-duration-zero", "shocks=covid_year4 shocks.events.0.duration_months=0", r"shocks\.events\[0\]\.duration_months = 0: must be >= 1"),
    case("shocks-encounter-factor-high", "shocks=covid_year4 shocks.events.0.encounter_factor=11", r"encounter_factor = 11\.0: must be <= 10"),
    case("shocks-hazard-negative", "shocks=covid_year4 shocks.events.0.hazard_multiplier=-1", r"hazard_multiplier = -1\.0: must be >= 0"),
    case("shocks-inline-list", "shocks.events=[{start_month:200}]", r"shocks\.events\[0\]\.start_month = 200: must be < horizon_months"),
    # ---- region (population_scale and actors_per_10k_inhabitants: out of range, or gone from the schema)
    case("region-population-scale-1e9", "region.population_scale=1e9", r"region\.population_scale(: unknown key| = 1000000000\.0: must be <=)"),
    case("region-actors-per-10k-1e7", "region.actors_per_10k_inhabitants.firm=1e7", r"region\.actors_per_10k_inhabitants(\.firm)?(: unknown key| = 10000000\.0: must be <=)"),
    case("region-nomadic-share-high", "region.nomadic_firm_share=2", r"region\.nomadic_firm_share = 2\.0: must be <= 1"),
    case("region-country", "region.country=XX", r"region\.country = 'XX': allowed values are FR, MA"),
    case("region-no-source", "region.data=", r"region: a region needs territories: data, territories_file or territories"),
    case("region-two-sources", [f"region.territories_file={TERRITORIES}/unknown_type.csv", "+region.territories=[{name: a, population: 1000}]"], r"region(\.territories_file)?: .*(a file or from a list, not both|row)"),
    case("region-unknown-data", "region.data=atlantis", r"region\.data = 'atlantis': allowed values are france, .*auvergne_rhone_alpes"),
    case("region-unknown-departement", "region.departements=[99]", r"region\.departements: 99: not a département or province of auvergne_rhone_alpes; it has 01, 03"),
    case("region-departements-without-data", "region.departements=[15] region.data= region.territories=[{name:a}]", r"region\.departements: only for a region of the official data"),
    case("region-sample-fraction-zero", "region.sample_fraction=0", r"region\.sample_fraction = 0\.0: must be > 0"),
    case("region-sample-fraction-high", "region.sample_fraction=2", r"region\.sample_fraction = 2\.0: must be <= 1"),
    case("region-partner-share-high", "region.partner_share.firm=5", r"region\.partner_share\.firm = 5\.0: must be <= 1"),
    case("region-france-whole-sample", "region=france region.sample_fraction=1", r"the run would need about [\d.,]+ GiB of memory(?s:.*)region\.sample_fraction(?s:.*)output\.max_memory_gib = 16"),
    case("region-facilitators-per-100k-huge", "region.facilitators_per_100k.urban=1e9", r"region\.facilitators_per_100k\.urban = 1000000000\.0: must be <= 100"),
    case("region-generalised-trust-high", "region.generalised_trust.rural=2", r"region\.generalised_trust\.rural = 2\.0: must be <= 1"),
    case("region-name-empty", "region.name=", r"region\.name = '': must not be empty"),
    case("region-file-missing", f"region.data= region.territories_file={TERRITORIES}/nowhere.csv", r"region\.territories_file = '\S+/nowhere\.csv': no such file"),
    case("region-file-folder", f"region.data= region.territories_file={TERRITORIES}", r"region\.territories_file = '\S+/territories': no such file"),
    case("region-file-negative-population", f"region.data= region.territories_file={TERRITORIES}/negative_population.csv", r"region\.territories_file: negative_population\.csv row 2, column population: '-5' is not a whole number > 0"),
    case("region-file-missing-column", f"region.data= region.territories_file={TERRITORIES}/missing_column.csv", r"missing_column\.csv row 1: missing column\(s\) population \(required: name, population, type\)"),
    case("region-file-binary", f"region.data= region.territories_file={TERRITORIES}/binary.csv", r"region\.territories_file: binary\.csv: not UTF-8 text"),
    case("region-file-empty", f"region.data= region.territories_file={TERRITORIES}/empty.csv", r"region\.territories_file: empty\.csv: the file is empty; its first row must name the columns"),
    case("region-file-duplicate-names", f"region.data= region.territories_file={TERRITORIES}/duplicate_names.csv", r"duplicate_names\.csv row 3, column name: 'Plateau' is already the name on row 2"),
    case("region-file-word-population", f"region.data= region.territories_file={TERRITORIES}/word_population.csv", r"word_population\.csv row 2, column population: 'lots' is not a whole number > 0"),
    case("region-file-unknown-type", f"region.data= region.territories_file={TERRITORIES}/unknown_type.csv", r"unknown_type\.csv row 2, column type: 'suburb' is not a territory type; allowed: rural, peri_urban, urban"),
    case("region-file-unknown-column", f"region.data= region.territories_file={TERRITORIES}/unknown_column.csv", r"unknown_column\.csv row 1, column 4: unknown column 'spaceflight'; allowed: name, population, type"),
    case("region-file-huge-population", f"region.data= region.territories_file={TERRITORIES}/huge_population.csv", r"the run would need about [\d.,]+ GiB of memory(?s:.*)output\.max_memory_gib"),
    case("region-territory-population-zero", ["region.territories=[{name:a,population:0}]", "region.data="], r"region\.territories\[0\]\.population = 0: must be > 0"),
    case("region-territory-type", ["region.territories=[{name:a,type:suburb}]", "region.data="], r"region\.territories\[0\]\.type = 'suburb': allowed values are rural, peri_urban, urban"),
    case("region-territory-fragility", ["region.territories=[{name:a,fragility:{housing:1.5}}]", "region.data="], r"region\.territories\[0\]\.fragility\.housing = 1\.5: must be <= 1"),
    case("region-territory-facilitators-too-many", ["region.territories=[{name:a,facilitators:5000}]", "region.data="], r"region\.territories\[0\]\.facilitators = 5000(\.0)?: must be <= 1000"),
    case("region-territory-name-empty", ["region.territories=[{name:''}]", "region.data="], r"region\.territories\[0\]\.name = '': must not be empty"),
    # ---- actors
    case("actors-max-projects-high", "actors.max_projects.firm=51", r"actors\.max_projects\.firm = 51\.0: must be <= 50"),
    case("actors-max-projects-fraction", "actors.max_projects.firm=2.5", r"actors\.max_projects\.firm = 2\.5: must be a whole number"),
    case("actors-sociability-high", "actors.sociability.media=25", r"actors\.sociability\.media = 25\.0: must be <= 20"),
    case("actors-volunteer-hours-high", "actors.volunteer_hours_per_year.association=9000", r"volunteer_hours_per_year\.association = 9000\.0: must be <= 8760"),
    case("actors-budget-sigma-negative", "actors.budget_sigma=-1", r"actors\.budget_sigma = -1\.0: must be >= 0"),
    # ---- policies
    case("policies-unknown-lever", "policies.levers=[{name:p99}]", r"policies\.levers\[0\]\.name = 'p99': " + LEVER_NAMES),
    case("policies-unknown-lever-in-preset", "policies=p2 policies.levers.0.name=p9_magic", r"policies\.levers\[0\]\.name = 'p9_magic': " + LEVER_NAMES),
    case("policies-unknown-param", "policies=p2 +policies.levers.0.params.bogus=1", r"policies\.levers\[0\]\.params\.bogus: unknown parameter of p2_creative_evenings; allowed: cost_per_event_eur, .*participants_per_event"),
    case("policies-unknown-param-inline", "policies.levers=[{name:p3_seed_grants,params:{grants:1}}]", r"params\.grants: unknown parameter of p3_seed_grants; allowed: .*grant_eur"),
    case("policies-param-low", "policies=p2 +policies.levers.0.params.cost_per_event_eur=1", r"params\.cost_per_event_eur = 1\.0: must be between 500\.0 and 100000\.0"),
    case("policies-param-high", "policies=p7 +policies.levers.0.params.cofinance_share=1.5", r"params\.cofinance_share = 1\.5: must be between 0\.0 and 1\.0"),
    case("policies-param-nan", "policies=p5 +policies.levers.0.params.min_trust=nan", r"params\.min_trust = nan: must be (between|a finite)"),
    case("policies-budget-negative", "policies=p2 policies.levers.0.budget_eur_per_year=-1", r"policies\.levers\[0\]\.budget_eur_per_year = -1\.0: must be >= 0"),
    case("policies-budget-too-large", "policies.levers=[{name:p3_seed_grants,budget_eur_per_year:1e9}]", r"budget_eur_per_year = 1000000000\.0: must be <= 100000000"),
    case("policies-equal-budget-negative", "scenario=ceser_package policies.equal_budget_eur_per_year=-5", r"policies\.equal_budget_eur_per_year = -5\.0: must be >= 0"),
    case("policies-equal-budget-too-large", "scenario=ceser_package policies.equal_budget_eur_per_year=1e9", r"equal_budget_eur_per_year = 1000000000\.0: must be <= 100000000"),
    case("policies-equal-budget-inf", "policies.equal_budget_eur_per_year=inf", r"equal_budget_eur_per_year = inf: must be a finite number"),
    case("policies-lever-twice", "policies.levers=[{name:p3_seed_grants},{name:p3_seed_grants}]", r"policies\.levers\[1\]\.name = 'p3_seed_grants': a lever may appear only once"),
    case("policies-lever-without-name", "policies.levers=[{budget_eur_per_year:1}]", r"missing mandatory value: name(?s:.*)policies\.levers\[0\]\.name"),
    case("policies-lever-unknown-field", "policies=p2 policies.levers.0.foo=1", r"policies\.levers\.0\.foo: unknown key \(policies\.levers\.0 has: budget_eur_per_year, name, params"),
    case("policies-lever-unknown-field-inline", "policies.levers=[{name:p3_seed_grants,foo:1}]", r"(?s)'?foo'?.*(PolicyConfig|budget_eur_per_year, name, params)"),
    case("policies-p2-at-maxima", P2_AT_MAXIMA, r"the run would need about [\d.,]+ GiB of memory(?s:.*)participants_per_event, meetings_per_participant(?s:.*)output\.max_memory_gib = 16"),
    case("policies-p2-at-maxima-time", P2_AT_MAXIMA, r"the run would take about [\d.,]+ hours(?s:.*)output\.max_hours = 2"),
    case("policies-p2-at-maxima-memory-raised", P2_AT_MAXIMA + " output.max_memory_gib=4096", r"^invalid configuration:\n  - the run would take about [\d.,]+ hours(?s:.*)raise output\.max_hours to run it knowingly$"),
    case("output-max-memory-above-limit", "output.max_memory_gib=5000", r"output\.max_memory_gib = 5000\.0: must be <= 4096"),
    case("policies-p4-facilitators-too-many", "policies=p4 +policies.levers.0.params.cost_per_facilitator_eur_per_year=1", r"cost_per_facilitator_eur_per_year = 1\.0: must be between 10000\.0 and 200000\.0"),
    # ---- wrong types: strings for numbers, 2 for booleans, 2.5 for integers
    case("type-string-for-float", "trust.decay_per_month=abc", r"trust\.decay_per_month(?s:.*)(Float|number)"),
    case("type-bool-for-float", "funding.match_ratio=true", r"funding\.match_ratio(?s:.*)(Float|number)"),
    case("type-string-for-int", "seed=abc", r"seed = 'abc': must be a whole number"),
    case("type-string-for-int-nested", "alliances.max_partners=four", r"alliances\.max_partners = 'four': must be a whole number"),
    case("type-2-for-bool", "output.write_plot=2", r"output\.write_plot = '2': allowed values are true, false"),
    case("type-2-for-bool-region", "region.include_media=2", r"region\.include_media = '2': allowed values are true, false"),
    case("type-word-for-bool", "output.stop_on_failure=maybe", r"output\.stop_on_failure = 'maybe': allowed values are true, false"),
    case("type-2.5-for-int", "horizon_months=2.5", r"horizon_months = '2\.5': must be a whole number"),
    case("type-2.5-for-int-seed", "seed=2.5", r"seed = '2\.5': must be a whole number"),
    case("type-2.5-for-int-output", "output.network_indicators_every_months=2.5", r"network_indicators_every_months = '2\.5': must be a whole number"),
    case("type-1e3-for-int", "horizon_months=1e3", r"horizon_months = '1e3': must be a whole number"),
    case("type-float-in-int-list", "output.job_seeds=[1.5]", r"output\.job_seeds(?s:.*)Integer"),
    # ---- NaN, infinities, 1e308
    case("nan", "trust.decay_per_month=nan", r"trust\.decay_per_month = nan: must be a finite number"),
    case("inf", "encounters.network_per_month=inf", r"encounters\.network_per_month = inf: must be a finite number"),
    case("minus-inf", "trust.success_gain=-inf", r"trust\.success_gain = -inf: must be a finite number"),
    case("1e308", "trust.decay_per_month=1e308", r"trust\.decay_per_month = 1e\+308: must be <= 1"),
    case("nan-in-table", "funding.budget_eur.housing=nan", r"funding\.budget_eur\.housing = nan: must be a finite number"),
    case("inf-in-table", "ideas.rate_per_month.media=inf", r"ideas\.rate_per_month\.media = inf: must be a finite number"),
    case("1e308-in-table", "funding.budget_eur.housing=1e308", r"funding\.budget_eur\.housing = 1e\+308: must be <= 1e\+09"),
    case("1e308-seed", "seed=1e308", r"seed = '1e308': must be a whole number"),
    case("seed-2-63", f"seed={2**63}", rf"seed = {2**63}: must be < {2**63}"),
    case("seed-negative", "seed=-1", r"seed = -1: must be >= 0"),
    case("horizon-zero", "horizon_months=0", r"horizon_months = 0: must be >= 1"),
    case("horizon-high", "horizon_months=1201", r"horizon_months = 1201: must be <= 1200"),
    case("seed-empty", "seed=", r"seed(?s:.*)(Integer|whole number)"),
    # ---- interpolations that resolve to nothing, or to a bad value
    case("interpolation-missing-env", "trust.decay_per_month=${oc.env:TA_BAD_INPUTS_UNSET}", r"(?s)Environment variable 'TA_BAD_INPUTS_UNSET' not found.*full_key: trust\.decay_per_month"),
    case("interpolation-unknown-key", "trust.decay_per_month=${nope}", r"(?s)Interpolation key 'nope' not found.*full_key: trust\.decay_per_month"),
    case("interpolation-recursive", "seed=${seed}", r"(?s)Recursive interpolation detected.*full_key: seed"),
    case("interpolation-to-a-path", "scenario.name=${oc.env:HOME}", r"scenario\.name = '/\S*': allowed are letters, digits"),
    # ---- a config group's choice that reads as a number, a boolean or null (the command line refuses it)
    case("group-choice-number", "region=1", r"region(?s:.*)auvergne_rhone_alpes"),
    case("group-choice-bool", "scenario=true", r"scenario(?s:.*)baseline"),
    # ---- unknown keys at each level
    case("unknown-top", "foo=1", r"foo: unknown key \(the configuration has: actors, alliances, .*trust"),
    case("unknown-top-appended", "+foo=1", r"foo: unknown key \(the configuration has: actors"),
    case("unknown-section-key", "trust.foo=1", r"trust\.foo: unknown key \(trust has: acquaintance_cap"),
    case("unknown-section-key-appended", "+trust.foo=1", r"trust\.foo: unknown key \(trust has: acquaintance_cap"),
    case("unknown-table-key", "funding.budget_eur.spaceflight=1", r"funding\.budget_eur\.spaceflight: unknown key \(funding\.budget_eur has: education_youth"),
    case("unknown-kind", "ideas.rate_per_month.robot=0.1", r"ideas\.rate_per_month\.robot: unknown key \(ideas\.rate_per_month has: association, citizen_group"),
    case("unknown-resource", "actors.brings.firm.gold=1", r"actors\.brings\.firm\.gold: unknown key \(actors\.brings\.firm has: knowledge, money"),
    case("unknown-output-key", "output.foo=1", r"output\.foo: unknown key \(output has: job_seeds"),
    case("unknown-policies-key", "policies.foo=1", r"policies\.foo: unknown key \(policies has: .*equal_budget_eur_per_year, levers"),
    case("unknown-shock-key", "shocks=covid_year4 shocks.events.0.strength=3", r"shocks\.events\.0\.strength: unknown key \(shocks\.events\.0 has: duration_months"),
    case("unknown-region-key", "region.continent=europe", r"region\.continent: unknown key \(region has: "),
    case("unknown-scenario-key", "scenario.author=me", r"scenario\.author: unknown key \(scenario has: .*label, name"),
    # ---- unknown presets
    case("preset-region", "region=atlantis", r"(?s)region=atlantis: region has no preset 'atlantis'.*allowed values are .*auvergne_rhone_alpes"),
    case("preset-funding", "funding=magic", r"(?s)funding=magic: funding has no preset 'magic'.*allowed values are .*four_tiers"),
    case("preset-policies", "policies=p9", r"(?s)policies=p9: policies has no preset 'p9'.*allowed values are .*ceser_package"),
    case("preset-scenario", "scenario=nope", r"(?s)scenario=nope: scenario has no preset 'nope'.*allowed values are .*baseline"),
    case("preset-shocks", "shocks=tsunami", r"(?s)shocks=tsunami: shocks has no preset 'tsunami'.*allowed values are .*covid_year4"),
    case("preset-calibration", "calibration=nope", r"(?s)calibration=nope: calibration has no preset 'nope'.*allowed values are .*phare2015"),
    # ---- deletions
    case("delete-section", "~trust", r"~trust: deleting a key or a section is not allowed"),
    case("delete-seed", "~seed", r"~seed: deleting a key or a section is not allowed"),
    case("delete-nested", "~funding.budget_eur.housing", r"~funding\.budget_eur\.housing: deleting a key or a section is not allowed"),
    case("delete-output", "~output", r"~output: deleting a key or a section is not allowed"),
    # ---- names and folders
    case("scenario-name-empty", "scenario.name=", r"scenario\.name = '': allowed are letters, digits, '_', '\.' and '-'"),
    case("scenario-name-300", f"scenario.name={LONG}", r"scenario\.name: 300 characters, at most 100 allowed"),
    case("scenario-name-path", "scenario.name=../evil", r"scenario\.name = '\.\./evil': allowed are letters, digits"),
    case("scenario-name-slash", "scenario.name=a/b", r"scenario\.name = 'a/b': allowed are letters, digits"),
    case("scenario-label-400", f"scenario.label={'x' * 400}", r"scenario\.label: 400 characters, at most 300 allowed"),
    case("sweep-name-300", f"output.sweep_name={LONG}", r"output\.sweep_name: 300 characters, at most 100 allowed"),
    case("sweep-name-path", "output.sweep_name=../x", r"output\.sweep_name = '\.\./x': allowed are letters, digits.*or empty"),
    case("sweep-name-hidden", "output.sweep_name=.hidden", r"output\.sweep_name = '\.hidden': allowed are letters"),
    case("results-dir-empty", "output.results_dir=", r"output\.results_dir = '': must not be empty"),
    case("results-dir-1200", f"output.results_dir={'r' * 1200}", r"output\.results_dir: 1200 characters, at most 1000 allowed"),
    case("max-memory-zero", "output.max_memory_gib=0", r"output\.max_memory_gib = 0\.0: must be > 0"),
    case("max-hours-negative", "output.max_hours=-1", r"output\.max_hours = -1\.0: must be > 0"),
    case("job-seeds-negative", "output.job_seeds=[-1]", r"output\.job_seeds\[0\] = -1: must be >= 0 and < 2\*\*63"),
    case("job-seeds-not-seed", "output.job_seeds=[5,6]", r"output\.job_seeds = \[5, 6\]: must start with seed \(0\)"),
]


@pytest.mark.parametrize(("overrides", "pattern"), LIBRARY)
def test_library_refuses(overrides: list[str], pattern: str, tmp_path: Path) -> None:
    results = tmp_path / "results"
    own = [] if any(o.startswith("output.results_dir=") for o in overrides) else [f"output.results_dir={results}"]
    with pytest.raises(ConfigError) as info:
        compose([*overrides, *own])
    message = str(info.value)
    assert re.search(pattern, message), message
    assert "Traceback" not in message
    assert not results.exists(), "nothing written"


# --------------------------------------------------------------------------- the command lines

#: Placeholders in a case's arguments, filled in by the test: {TMP} a fresh folder, {FILE} a file in it,
#: {EMPTY} an empty folder in it, {SWEEP} a sweep folder of two scenarios (made once per worker), {BAD}
#: tests/bad_inputs, {NAME} a fresh name (sensitivity designs go under results/sensitivity/<name>).
RUN, SWEEP, ANALYSIS, REPORT, SENSITIVITY, CALIBRATION = (
    "simulation.run",
    "simulation.run -m",
    "simulation.analysis",
    "simulation.report",
    "simulation.sensitivity",
    "simulation.calibration",
)
#: Where a calibration would write (in the test's folder, never the repository's), added to each case.
CALIBRATION_OUT = ["--out", "{TMP}/c.yaml", "--db", "{TMP}/abc.db", "--docs", "{TMP}/docs"]


def cli(case_id: str, command: str, args: str | list[str], pattern: str) -> object:
    return pytest.param(command, args.split() if isinstance(args, str) else args, pattern, id=case_id)


#: Through the real command line, in a subprocess.
CLI = [
    # ---- a single run: values, types, keys, presets
    cli("run-trust-decay", RUN, "trust.decay_per_month=1.5", r"error: invalid configuration:\n  - trust\.decay_per_month = 1\.5: must be <= 1"),
    cli("run-shock-beyond-horizon", RUN, "shocks=covid_year4 horizon_months=30", r"shocks\.events\[0\]\.start_month = \d+: must be < horizon_months \(30\)"),
    cli("run-population-scale-1e9", RUN, "region.population_scale=1e9", r"region\.population_scale(: unknown key| = 1000000000\.0: must be <=)"),
    cli("run-unknown-region", RUN, "region=atlantis", r"region=atlantis: region has no preset 'atlantis'; allowed values are auvergne_rhone_alpes, "),
    cli("run-unknown-lever", RUN, "policies.levers=[{name:p99}]", r"policies\.levers\[0\]\.name = 'p99': " + LEVER_NAMES),
    cli("run-p2-at-maxima", RUN, P2_AT_MAXIMA, r"(?s)GiB of memory.*participants_per_event.*output\.max_memory_gib = 16"),
    cli("run-string-for-float", RUN, "trust.decay_per_month=abc", r"trust\.decay_per_month = 'abc': must be a number"),
    cli("run-lever-unknown-field", RUN, "policies.levers=[{name:p3_seed_grants,foo:1}]", r"(?s)policies\.levers.*Key 'foo' not in 'PolicyConfig'"),
    cli("run-2-for-bool", RUN, "output.write_plot=2", r"output\.write_plot = '2': allowed values are true, false"),
    cli("run-nan", RUN, "encounters.territory_per_month=nan", r"encounters\.territory_per_month = nan: must be a finite number"),
    cli("run-delete", RUN, "~seed", r"~seed: deleting a key or a section is not allowed"),
    cli("run-job-seeds", RUN, "output.job_seeds=[0,1]", r"output\.job_seeds is set by the sweeper of a multirun"),
    cli("run-group-choice-number", RUN, "region=1", r"region=1: region takes the name of a preset, not a number, true/false or null \(allowed values are auvergne_rhone_alpes"),
    cli("run-group-choice-nan", RUN, "funding=nan", r"funding=nan: funding takes the name of a preset(?s:.*)four_tiers, free_mix"),
    cli("run-group-choice-null", RUN, "shocks=null", r"shocks=null: shocks takes the name of a preset(?s:.*)covid_year4, none"),
    cli("run-unparsable-override", RUN, "seed=[1,2", r"seed=\[1,2: not a valid override \(no viable alternative at input '\[1,2'\); write key=value, quoting"),
    cli("run-unknown-config-name", RUN, "--config-name nope", r"Cannot find primary config 'nope'"),
    cli("run-missing-config-dir", RUN, "--config-dir {TMP}/nowhere", r"Additional config directory '\S+/nowhere' not found"),
    # ---- a single run: where it would write
    cli("run-results-dir-empty", RUN, "output.results_dir=", r"output\.results_dir = '': must not be empty"),
    cli("run-results-dir-proc", RUN, "output.results_dir=/proc/ta-bad-inputs", r"output\.results_dir = /proc/ta-bad-inputs: no folder can be made in /proc"),
    cli("run-results-dir-sys", RUN, "output.results_dir=/sys/ta-bad-inputs", r"output\.results_dir = /sys/ta-bad-inputs: no folder can be made in /sys"),
    cli("run-results-dir-under-file", RUN, "output.results_dir={FILE}/results", r"output\.results_dir = \S+/afile/results: lies under \S+/afile, a file"),
    cli("run-results-dir-is-file", RUN, "output.results_dir={FILE}", r"output\.results_dir = \S+/afile: is a file"),
    cli("run-hydra-dir-proc", RUN, "hydra.run.dir=/proc/ta-bad-inputs", r"hydra\.run\.dir = /proc/ta-bad-inputs: no folder can be made in /proc"),
    cli("run-hydra-dir-under-file", RUN, "hydra.run.dir={FILE}/x", r"hydra\.run\.dir = \S+/afile/x: lies under \S+/afile, a file"),
    # ---- configuration folders (--config-dir): malformed YAML, alias bombs, bad values in a file
    cli("config-dir-malformed", RUN, "--config-dir {BAD}/malformed region=broken", r"bad_inputs/malformed/region/broken\.yaml, line \d+: not valid YAML"),
    cli("config-dir-alias-bomb", RUN, "--config-dir {BAD}/bomb region=bomb", r"bad_inputs/bomb/region/bomb\.yaml, line 2: anchors and aliases are not allowed"),
    cli("config-dir-tabs", RUN, "--config-dir {BAD}/tabs funding=tabs", r"bad_inputs/tabs/funding/tabs\.yaml, line 4: not valid YAML"),
    cli("config-dir-not-utf8", RUN, "--config-dir {BAD}/not_utf8 funding=latin1", r"bad_inputs/not_utf8/funding/latin1\.yaml: cannot be read"),
    cli("config-dir-bad-value", RUN, "--config-dir {BAD}/bad_value funding=greedy", r"funding\.public_share = 2\.0: must be <= 1"),
    cli("config-dir-unknown-key", RUN, "--config-dir {BAD}/unknown_key funding=extra", r"(?s)spaceflight_share.*(FundingConfig|unknown key)"),
    cli("config-dir-bad-type", RUN, "--config-dir {BAD}/bad_type funding=stringy", r"(?s)'ten'.*could not be converted to Float.*match_ratio"),
    cli("config-dir-nan", RUN, "--config-dir {BAD}/nan_value funding=nan_ratio", r"funding\.match_ratio = nan: must be a finite number"),
    cli("config-dir-list", RUN, "--config-dir {BAD}/top_list region=listy", r"(?s)region/listy|region.*(mapping|dict|ListConfig|list)"),
    # ---- sweeps: seeds, empty ranges, bad values, names and folders
    cli("sweep-seed-negative", SWEEP, "seed=-1,2", r"error: the sweep was not started:\nseed = -1: seeds must be integers >= 0 and < 2\*\*63"),
    cli("sweep-seed-range-negative", SWEEP, "seed=range(-3,1)", r"seed = -3: seeds must be integers >= 0 and < 2\*\*63"),
    cli("sweep-seed-2-63", SWEEP, f"seed=0,{2**63}", rf"seed = {2**63}: seeds must be integers >= 0 and < 2\*\*63"),
    cli("sweep-seed-fraction", SWEEP, "seed=2.5,3", r"seed = 2\.5: seeds must be integers"),
    cli("sweep-empty-range", SWEEP, "seed=range(5,5)", r"the sweep was not started: it has no run \(an empty range or list of values\?\)"),
    cli("sweep-empty-glob", SWEEP, "scenario=glob(zzz*) seed=0,1", r"the sweep was not started: it has no run"),
    cli("sweep-bad-value", SWEEP, "trust.decay_per_month=0.5,1.5 seed=0,1", r"(?s)the sweep was not started:.*trust\.decay_per_month = 1\.5: must be <= 1.*in the sweep job: trust\.decay_per_month=1\.5"),
    cli("sweep-name-path", SWEEP, "seed=0,1 output.sweep_name=../x", r"output\.sweep_name = '\.\./x': allowed are letters, digits"),
    cli("sweep-name-300", SWEEP, f"seed=0,1 output.sweep_name={LONG}", r"output\.sweep_name: 300 characters, at most 100 allowed"),
    cli("sweep-results-dir-proc", SWEEP, "seed=0,1 output.results_dir=/proc/ta-bad-inputs", r"output\.results_dir = /proc/ta-bad-inputs: no folder can be made in /proc"),
    cli("sweep-results-dir-under-file", SWEEP, "seed=0,1 output.results_dir={FILE}/results", r"output\.results_dir = \S+/afile/results: lies under \S+/afile, a file"),
    cli("sweep-hydra-dir-proc", SWEEP, "seed=0,1 hydra.sweep.dir=/proc/ta-bad-inputs", r"hydra\.sweep\.dir = /proc/ta-bad-inputs: no folder can be made in /proc"),
    cli("sweep-group-choice-number", SWEEP, "region=oriental_morocco,3 seed=0,1", r"region=oriental_morocco,3: region takes the name of a preset, not a number, true/false or null \(allowed values are .*oriental_morocco"),
    cli("sweep-unknown-launcher", SWEEP, "seed=0,1 hydra/launcher=warp_drive", r"(?s)hydra/launcher/warp_drive.*Available options in 'hydra/launcher'"),
    cli("sweep-other-sweeper", SWEEP, "seed=0,1 hydra/sweeper=basic", r"hydra/sweeper=basic does not check the sweep folder; allowed: hydra/sweeper=batched"),
    cli("sweep-seeds-per-job-zero", SWEEP, "seed=0,1 hydra.sweeper.seeds_per_job=0", r"hydra\.sweeper\.seeds_per_job = 0: must be >= 1"),
    # ---- the other commands, once each through the command line (the rest call their main(), below)
    cli("analysis-missing", ANALYSIS, "{TMP}/missing", r"sweep folder '\S+/missing' does not exist"),
    cli("report-bad-baseline", REPORT, "{SWEEP} --baseline nope --no-pdf", r"no run of the baseline scenario 'nope' in this sweep: it holds baseline, p3_seed_grants"),
    cli("sensitivity-name-path", SENSITIVITY, "morris --name ../../{NAME}", r"--name '\.\./\.\./ta-bad-\w+': allowed are letters, digits"),
    cli("calibration-population-zero", CALIBRATION, ["--population", "0", *CALIBRATION_OUT], r"--population 0: must be >= 1"),
]

#: Through the commands' main(argv), in the test's process (what the command line calls, without its start-up).
MAIN = [
    # ---- the analysis
    cli("analysis-file", ANALYSIS, "{FILE}", r"sweep folder '\S+/afile' is not a folder"),
    cli("analysis-not-a-sweep", ANALYSIS, "{EMPTY}", r"\S+/empty is not a sweep folder \(no summary/, timeseries/ dataset in it"),
    cli("analysis-only-summary", ANALYSIS, "{TMP}/partial", r"\S+/partial is not a sweep folder \(no timeseries/ dataset in it"),
    cli("analysis-bad-baseline", ANALYSIS, "{SWEEP} --baseline nope", r"--baseline 'nope': no run of that scenario in \S+; it holds baseline, p3_seed_grants"),
    cli("analysis-empty-baseline", ANALYSIS, ["{SWEEP}", "--baseline", ""], r"--baseline '': no run of that scenario in \S+; it holds baseline, p3_seed_grants"),
    cli("analysis-out-file", ANALYSIS, "{SWEEP} --out {FILE}", r"--out '\S+/afile' exists and is not a folder"),
    cli("analysis-out-under-file", ANALYSIS, "{SWEEP} --out {FILE}/analysis", r"--out '\S+/afile/analysis': lies under \S+/afile, a file"),
    cli("analysis-out-proc", ANALYSIS, "{SWEEP} --out /proc/ta-bad-inputs", r"--out '/proc/ta-bad-inputs': no folder can be made in /proc"),
    cli("analysis-no-folder", ANALYSIS, "", r"the following arguments are required: sweep_dir"),
    # ---- the report
    cli("report-missing", REPORT, "{TMP}/missing", r"sweep folder '\S+/missing' does not exist"),
    cli("report-file", REPORT, "{FILE}", r"'\S+/afile' is a file, not a sweep folder"),
    cli("report-not-a-sweep", REPORT, "{EMPTY}", r"'\S+/empty' is not a complete sweep folder: no summary, timeseries, registry, spending"),
    cli("report-only-summary", REPORT, "{TMP}/partial", r"'\S+/partial' is not a complete sweep folder: no timeseries, registry, spending"),
    cli("report-bad-lang", REPORT, "{SWEEP} --lang de --no-pdf", r"unknown language 'de': allowed values are fr, en, all"),
    cli("report-empty-lang", REPORT, ["{SWEEP}", "--lang", "", "--no-pdf"], r"unknown language '': allowed values are fr, en, all"),
    cli("report-out-under-file", REPORT, "{SWEEP} --out {FILE}/report --no-pdf", r"--out '\S+/afile/report': lies under \S+/afile, a file"),
    cli("report-out-sys", REPORT, "{SWEEP} --out /sys/ta-bad-inputs --no-pdf", r"--out '/sys/ta-bad-inputs': no folder can be made in /sys"),
    # ---- sensitivity designs
    cli("sensitivity-name-empty", SENSITIVITY, ["morris", "--name", ""], r"--name '': allowed are letters, digits"),
    cli("sensitivity-name-300", SENSITIVITY, f"morris --name {LONG}", r"--name 'a{300}': allowed are letters, digits.*at most 100 characters"),
    cli("sensitivity-trajectories-zero", SENSITIVITY, "morris --trajectories 0 --name {NAME}", r"--trajectories 0: must be >= 1"),
    cli("sensitivity-seeds-negative", SENSITIVITY, "ranking --seeds -2 --name {NAME}", r"--seeds -2: must be >= 1"),
    cli("sensitivity-jobs-zero", SENSITIVITY, "ranking --jobs 0 --name {NAME}", r"--jobs 0: must be >= 1"),
    cli("sensitivity-sobol-first", SENSITIVITY, "sobol --name {NAME}", r"sobol needs the Morris screening of --name 'ta-bad-\w+' first"),
    cli("sensitivity-unknown-stage", SENSITIVITY, "fourier --name {NAME}", r"invalid choice: 'fourier' \(choose from .*morris.*sobol.*ranking"),
    cli("sensitivity-n-word", SENSITIVITY, "sobol --n many --name {NAME}", r"argument --n: invalid int value: 'many'"),
    # ---- the calibration
    cli("calibration-simulations-word", CALIBRATION, ["--simulations", "many", *CALIBRATION_OUT], r"argument --simulations: invalid int value: 'many'"),
    cli("calibration-generations-zero", CALIBRATION, ["--generations", "0", *CALIBRATION_OUT], r"--generations 0: must be >= 1"),
    cli("calibration-jobs-zero", CALIBRATION, ["--jobs", "0", *CALIBRATION_OUT], r"--jobs 0: must be >= 1"),
    cli("calibration-min-acceptance-one", CALIBRATION, ["--min-acceptance", "1", *CALIBRATION_OUT], r"--min-acceptance 1\.0: must be >= 0 and < 1"),
    cli(
        "calibration-france-seeds-negative",
        CALIBRATION,
        ["--france-seeds", "-1", *CALIBRATION_OUT],
        r"--france-seeds -1: must be >= 0",
    ),
    cli(
        "calibration-france-only-nothing",
        CALIBRATION,
        ["--france-only", "--out", "{TMP}/none.yaml", "--db", "{TMP}/abc.db", "--docs", "{TMP}/docs"],
        r"--france-only: needs --france-seeds >= 1 and a calibration already written at \S+/none\.yaml",
    ),
    cli("calibration-out-under-file", CALIBRATION, ["--out", "{FILE}/c.yaml", "--db", "{TMP}/abc.db", "--docs", "{TMP}/docs"], r"--out: \S+/afile: is a file"),
    cli("calibration-out-folder", CALIBRATION, ["--out", "{EMPTY}", "--db", "{TMP}/abc.db", "--docs", "{TMP}/docs"], r"--out '\S+/empty': must be a YAML file"),
    cli("calibration-db-under-file", CALIBRATION, ["--db", "{FILE}/abc.db", "--out", "{TMP}/c.yaml", "--docs", "{TMP}/docs"], r"--db: \S+/afile: is a file"),
    cli("calibration-docs-under-file", CALIBRATION, ["--docs", "{FILE}/docs", "--out", "{TMP}/c.yaml", "--db", "{TMP}/abc.db"], r"--docs: \S+/afile/docs: lies under \S+/afile, a file"),
    cli("calibration-resume-nothing", CALIBRATION, ["--resume", *CALIBRATION_OUT], r"--resume: no calibration database at \S+/abc\.db to resume"),
]


def test_the_corpus_is_large() -> None:
    assert len(LIBRARY) + len(CLI) + len(MAIN) >= 100
    assert len(CLI) >= 25


def _snapshot(folder: Path | None) -> list[tuple[str, int]]:
    """Every path below ``folder`` with its modification time (empty if it does not exist)."""
    return sorted((str(p.relative_to(folder)), p.lstat().st_mtime_ns) for p in folder.rglob("*")) if folder else []


def run_command(command: list[str], timeout: float = 180) -> tuple[int, str]:
    """Run a command line from the repository in its own session, killed with its children on a timeout."""
    env = {k: v for k, v in os.environ.items() if k not in ("HYDRA_FULL_ERROR", "TA_WAIT_FOR_LOCK")}
    proc = subprocess.Popen(
        command,
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        pytest.fail(f"{' '.join(command)} did not stop within {timeout} s:\n{out[-3000:]}")
    return proc.returncode, out


def run_main(command: str, argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """Call a command's ``main(argv)`` in this process: its exit code and what it printed."""
    import importlib

    module = {
        ANALYSIS: "simulation.study.analysis",
        REPORT: "simulation.report.build",
        SENSITIVITY: "simulation.study.sensitivity",
        CALIBRATION: "simulation.study.calibration",
    }[command]
    main = importlib.import_module(module).main
    try:
        main(argv)
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (1 if e.code else 0)
        said = "" if isinstance(e.code, int) or e.code is None else str(e.code)
    else:
        code, said = 0, ""
    captured = capsys.readouterr()
    return code, captured.out + captured.err + said


@pytest.fixture(scope="session")
def tiny_sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A sweep folder of two scenarios and two seeds (made once per worker), written by the sweeps' own writer
    (:func:`simulation.runs.batches.write_batch`) from made-up rows: what the refusals read of a sweep (its
    datasets, scenarios, seeds and run ids), without running the model."""
    import dataclasses

    import pandas as pd

    from simulation.config import run_id
    from simulation.runs.batches import write_batch
    from simulation.runs.simulate import RunResult

    sweep = tmp_path_factory.mktemp("bad-inputs-sweep") / "tiny"
    for scenario in ("baseline", "p3_seed_grants"):
        config = compose([f"scenario={scenario}", "horizon_months=2"])
        runs = []
        for seed in (0, 1):
            c = dataclasses.replace(config, seed=seed)
            months = pd.DataFrame({"month": [0, 1], "active_cooperations": [0, seed]})
            territories = pd.DataFrame({"name": ["a"], "type": ["rural"]})
            result = RunResult(c, months, pd.DataFrame(), pd.DataFrame(), {"lasting_cooperations": seed}, territories, 0.1)
            runs.append((run_id(c), result))
        write_batch(runs, sweep, [f"scenario={scenario}", "seed=0,1"])
    return sweep


def _refused(
    command: str,
    args: list[str],
    pattern: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    call: Callable[[str, list[str]], tuple[int, str]],
) -> None:
    """Run one case (its placeholders filled in) and check that it is refused cleanly, with nothing written."""
    work = tmp_path / "work"
    (work / "empty").mkdir(parents=True)
    (work / "partial" / "summary").mkdir(parents=True)
    (work / "afile").write_text("a file, not a folder\n")
    sweep = request.getfixturevalue("tiny_sweep") if any("{SWEEP}" in a for a in args) else None
    name = f"ta-bad-{uuid.uuid4().hex[:10]}"
    places = {
        "{TMP}": str(work),
        "{FILE}": str(work / "afile"),
        "{EMPTY}": str(work / "empty"),
        "{BAD}": str(BAD_FILES),
        "{SWEEP}": str(sweep),
        "{NAME}": name,
    }
    argv = []
    for a in args:
        for k, v in places.items():
            a = a.replace(k, v)
        argv.append(a)
    results = tmp_path / "results"
    if command.startswith(RUN):
        if not any(a.startswith("output.results_dir=") for a in argv):
            argv.append(f"output.results_dir={results}")
        if command == SWEEP and not any(a.startswith("output.sweep_name=") for a in argv):
            argv.append("output.sweep_name=bad")
    before, sweep_before = _snapshot(work), _snapshot(sweep)

    rc, out = call(command, argv)

    assert rc != 0, out[-3000:]
    assert "Traceback" not in out, out[-3000:]
    assert re.search(pattern, out), out[-3000:]
    # nothing written: no results folder, no file beside the inputs, the sweep read left as it was
    assert not results.exists() or not list(results.rglob("*")), sorted(results.rglob("*"))
    assert _snapshot(work) == before, "nothing written beside the inputs"
    assert _snapshot(sweep) == sweep_before, "nothing written into the sweep"
    if command == SENSITIVITY:
        assert not (REPO / "results" / "sensitivity" / name).exists()
        assert not (REPO / name).exists()


@pytest.mark.parametrize(("command", "args", "pattern"), CLI)
def test_command_line_refuses(
    command: str, args: list[str], pattern: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    def call(command: str, argv: list[str]) -> tuple[int, str]:
        return run_command([sys.executable, "-m", *command.split(), *argv])

    _refused(command, args, pattern, tmp_path, request, call)


@pytest.mark.parametrize(("command", "args", "pattern"), MAIN)
def test_main_refuses(
    command: str,
    args: list[str],
    pattern: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _refused(command, args, pattern, tmp_path, request, lambda c, a: run_main(c, a, capsys))
