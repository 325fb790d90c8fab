"""Invariants that hold for every seed and every allowed parameter value (property-based, hypothesis).

Each example draws a seed (0 always included) and a few parameters within
their allowed ranges — trust gains, failure hazards, the funding rule, an
initial local fund, a dated shock on or off, and any subset of the policy
levers (in any order, each with a yearly budget and its parameters drawn within
the bounds its class allows, optionally one equal budget split over them) — and
runs 36 to 60 months on a small real region (the Cantal sampled at ``region.sample_fraction=0.0229``,
~290 actors), checking:

* money is conserved (every euro in a project came from a source), at every month:
  actors' budgets, their volunteer hours (valorised), territories' local funds, revenue,
  and every policy lever — what the ledger says a lever spent is what it granted to projects
  plus its own costs (the facilitators it pays, events, training, campaigns), is what the lever
  counted as spent, and never exceeds its yearly budget;
* trust stays in [0, 1] and both stored copies of each tie are equal, at every month;
* no budget, volunteer time, local fund or lever's remaining yearly budget goes negative
  (tolerance -1e-6), at every month;
* a project's stage months increase in stage order, and a failed project has no stage after its failure;
* ``actors.busy`` / ``engaged`` / ``ever_engaged`` equal what the registry implies, at every month.
"""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import pytest
from conftest import compose_small
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from simulation.enums import ACTIVE_STAGES, FundingSource, Stage
from simulation.model.model import TerritorialModel
from simulation.policies import REGISTRY, Policy
from simulation.policies import levers as lv

SCALE = 0.2
#: Money tolerance: a millionth of a euro per euro moved (float sums over thousands of debits).
REL_EUR = 1e-9
ABS_EUR = 1e-6
#: State tolerance: a state variable may dip below zero by float rounding only.
NEG_TOL = -1e-6
RULES = ("four_tiers", "public_led", "private_led", "matching_funds", "free_mix")
SETTINGS = settings(
    max_examples=15, deadline=None, database=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow]
)


#: Lever parameters whose upper bound would make an example slow (encounters drawn per event or
#: per euro): drawn within (low, cap) instead of their allowed (low, high).
CHEAP_BOUNDS = {
    ("p2_creative_evenings", "cost_per_event_eur"): (2_000.0, 1e5),
    ("p2_creative_evenings", "participants_per_event"): (2.0, 100.0),
    ("p2_creative_evenings", "meetings_per_participant"): (1.0, 10.0),
    ("p8_networks", "encounters_per_100k_eur"): (0.0, 500.0),
}
#: Yearly lever budgets drawn up to this (the schema allows 100 M€; effects scale with it, and so does runtime).
MAX_LEVER_BUDGET = 1.5e6


class Scenario(NamedTuple):
    seed: int
    horizon: int
    overrides: tuple[str, ...]
    #: The first territory's local fund before the first month (euros of the sample). Set on the model: no
    #: configuration key sets it since the territories come from the official data (``region.territories`` is
    #: empty, and ``Territories.from_table`` starts every fund at 0).
    local_fund_eur: float = 0.0


def _num(x: float) -> str:
    """A float as Hydra parses it (fixed notation: no exponent)."""
    return f"{x:.6f}"


def _lever(name: str, budget: float, params: dict[str, float]) -> str:
    """One lever as a Hydra list item."""
    ps = ", ".join(f"{k}: {_num(v)}" for k, v in params.items())
    return f"{{name: {name}, budget_eur_per_year: {_num(budget)}, params: {{{ps}}}}}"


@st.composite
def policy_levers(draw: st.DrawFn) -> list[str]:
    """Any subset of the levers, in any order (grants are offered in lever order), with drawn budgets and params."""
    names = [name for name in draw(st.permutations(sorted(REGISTRY))) if draw(st.booleans())]
    items = []
    for name in names:
        budget = draw(st.one_of(st.sampled_from([0.0, 250_000.0]), st.floats(0.0, MAX_LEVER_BUDGET)))
        params = {}
        for key, (_, lo, hi) in REGISTRY[name].PARAMS.items():
            if draw(st.booleans()):  # else the class default
                lo, hi = CHEAP_BOUNDS.get((name, key), (lo, hi))
                params[key] = draw(st.floats(lo, hi))
        items.append(_lever(name, budget, params))
    if not items:
        return []
    ov = [f"policies.levers=[{', '.join(items)}]"]
    if draw(st.booleans()):
        ov.append(f"policies.equal_budget_eur_per_year={_num(draw(st.floats(0.0, MAX_LEVER_BUDGET)))}")
    return ov


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    seed = draw(st.integers(min_value=0, max_value=2**32 - 1))
    horizon = draw(st.integers(min_value=36, max_value=60))
    success_gain = draw(st.floats(0.0, 0.6))
    failure_loss = draw(st.floats(success_gain + 0.01, 1.0))  # must exceed success_gain (docs/ODD.md §7.2)
    hazard = draw(st.floats(0.0, 5.0))  # multiplies every stage's base hazard
    ov = [
        f"funding={draw(st.sampled_from(RULES))}",
        f"trust.success_gain={_num(success_gain)}",
        f"trust.failure_loss={_num(failure_loss)}",
        f"trust.reputation_gain={_num(draw(st.floats(0.0, 1.0)))}",
        f"trust.decay_per_month={_num(draw(st.floats(0.0, 0.05)))}",
        f"projects.moral_hazard_per_month={_num(draw(st.floats(0.0, 0.3)))}",
    ]
    local_fund = draw(st.sampled_from([0.0, 25_000.0, 400_000.0]))
    for stage, h in (("seed", 0.03), ("experimentation", 0.02), ("consolidation", 0.01), ("deployment", 0.008)):
        ov.append(f"projects.base_hazard_per_month.{stage}={_num(h * hazard)}")
    if draw(st.booleans()):
        start = draw(st.integers(1, horizon - 1))  # any month, so that mid-year budget withdrawals happen
        ov.append(
            "shocks.events=[{name: shock, "
            f"start_month: {start}, duration_months: {draw(st.integers(1, 24))}, "
            f"encounter_factor: {_num(draw(st.floats(0.0, 2.0)))}, "
            f"resource_factor: {_num(draw(st.floats(0.0, 1.5)))}, "
            f"hazard_multiplier: {_num(draw(st.floats(0.0, 5.0)))}}}]"
        )
    ov += draw(policy_levers())
    return Scenario(seed, horizon, tuple(ov), local_fund)


#: The default model on seed 0, checked in every property (hypothesis runs explicit examples first).
DEFAULT = Scenario(0, 48, ())
#: The default model under a covid-like shock that starts mid-year (budgets withdrawn from actors).
SHOCKED = Scenario(0, 60, ("funding=matching_funds", "shocks=covid_year4", "shocks.events.0.start_month=40"))
#: Every lever at once, each at its own default budget and parameters, public money first, over four years.
ALL_LEVERS = Scenario(
    1,
    48,
    (
        "funding=public_led",
        f"policies.levers=[{', '.join(_lever(n, 250_000.0, {}) for n in sorted(REGISTRY))}]",
    ),
    local_fund_eur=25_000.0,
)
#: The CESER package (one budget shared by P1–P8) under a shock that starts mid-year, over five years.
PACKAGE_SHOCKED = Scenario(
    2, 60, ("funding=matching_funds", "policies=ceser_package", "shocks=covid_year4", "shocks.events.0.start_month=40")
)


def run_checked(sc: Scenario, check: Callable[[TerritorialModel], None] | None = None) -> TerritorialModel:
    """Run the scenario month by month, calling ``check`` after every month."""
    model = TerritorialModel(compose_small(list(sc.overrides), sc.seed, sc.horizon, SCALE))
    model.territories.local_fund_eur[0] = sc.local_fund_eur
    INITIAL_FUNDS[model] = model.territories.local_fund_eur.copy()
    for _ in range(sc.horizon):
        model.step()
        if check is not None:
            check(model)
    return model


#: Each model's local funds before its first month, by model (what :func:`check_money` conserves).
INITIAL_FUNDS: weakref.WeakKeyDictionary[TerritorialModel, np.ndarray] = weakref.WeakKeyDictionary()


def _close(a: float, b: float, scale: float) -> bool:
    return abs(a - b) <= ABS_EUR + REL_EUR * max(scale, 1.0)


# --------------------------------------------------------------------------- money


def check_money(model: TerritorialModel) -> None:
    led = model.ledger
    flows = led.flows
    scale = led.actor_allocated_eur + float(flows.sum()) + float(model.territories.local_fund_eur.sum())
    # Actors' money: what projects got from members = what actors were given - what lapsed,
    # was withdrawn by a shock, or is still in their budgets.
    from_members = float(flows[:, :, [FundingSource.PUBLIC_LOCAL, FundingSource.PRIVATE]].sum())
    given_away = (
        led.actor_allocated_eur - led.actor_lapsed_eur - led.actor_withdrawn_eur - model.actors.budget_eur.sum()
    )
    assert _close(from_members, given_away, scale), f"members gave {from_members:.2f}, actors lost {given_away:.2f}"
    # Volunteering: the valorised euros projects got are the hours actors gave, at the hour's value.
    hour_value = model.config.actors.volunteer_hour_value_eur
    hours_given = (
        led.actor_allocated_hours
        - led.actor_lapsed_hours
        - led.actor_withdrawn_hours
        - model.actors.volunteer_hours.sum()
    )
    valorised = float(flows[:, :, FundingSource.VOLUNTEERING].sum())
    assert _close(valorised, hours_given * hour_value, scale), (
        f"volunteering worth {valorised:.2f} €, actors gave {hours_given:.2f} h at {hour_value} €/h"
    )
    # Local funds, per territory: spent = initial + reinvested - balance.
    initial = INITIAL_FUNDS[model]
    assert len(initial) == len(model.territories)
    spent = flows[:, :, FundingSource.LOCAL_FUND].sum(axis=0)
    expected = initial + led.reinvested.sum(axis=0) - model.territories.local_fund_eur
    for t in range(len(initial)):
        assert _close(spent[t], expected[t], scale), f"territory {t}: fund spent {spent[t]:.2f} vs {expected[t]:.2f}"
    check_policy_money(model)


def lever_grants(model: TerritorialModel) -> dict[str, np.ndarray]:
    """Per lever in force, the euros the projects' records say it granted, shape (month, territory).

    Also checks each project's policy money: every euro of it names a lever in force that offers
    grants, each lever at most once and within the grant its parameters allow.
    """
    by_name = {p.name: p for p in model.policies}
    grants = {name: np.zeros(model.ledger.shape) for name in by_name}
    for rec in model.projects.records:
        names = [name for name, _ in rec.policy_eur]
        assert len(set(names)) == len(names), f"project {rec.id}: a lever granted twice {rec.policy_eur}"
        for name, eur in rec.policy_eur:
            lever = by_name.get(name)
            assert isinstance(lever, lv.Grant), f"project {rec.id} got {eur:.2f} € from {name}, which grants nothing"
            assert 0 < eur <= lever.grant_eur(rec.budget_eur) + ABS_EUR, f"project {rec.id}: {name} granted {eur}"
            grants[name][rec.launched_month, rec.territory] += eur
        from_levers = sum(eur for _, eur in rec.policy_eur)
        got = rec.launch_funding_eur[FundingSource.PUBLIC_POLICY]
        assert _close(got, from_levers, rec.budget_eur), (
            f"project {rec.id}: {got:.2f} € of policy money, levers gave {from_levers:.2f}"
        )
    return grants


def _monthly_share(policy: Policy) -> float:
    """The most a lever that paces its own spending spends a month: a twelfth of its yearly budget."""
    return policy.budget_eur_per_year / 12.0


def check_policy_money(model: TerritorialModel) -> None:
    """Each lever's ledger = its grants to projects + its own costs, = what it counted as spent, <= its budget."""
    led = model.ledger
    month = model.month
    n_months = month + 1
    grants = lever_grants(model)
    assert set(led.by_lever) <= set(grants), f"ledger books levers not in force: {set(led.by_lever) - set(grants)}"
    scale = led.actor_allocated_eur + float(led.flows.sum()) + float(led.engineering.sum())
    # Projects' policy money, per month and territory, is exactly the levers' grants.
    to_projects = led.flows[:, :, FundingSource.PUBLIC_POLICY]
    granted = sum(grants.values(), np.zeros(led.shape))
    diff = np.abs(to_projects - granted).max(initial=0.0)
    assert diff <= ABS_EUR + REL_EUR * scale, f"projects got policy money no lever granted ({diff:.4f} €)"
    # Facilitators paid by levers: the engineering the territories did not pay themselves.
    lever_engineering = np.zeros(led.shape)
    funders = {f.funder for f in model.facilitators}
    for p in model.policies:
        budget = p.budget_eur_per_year
        tol = ABS_EUR + REL_EUR * max(budget * (month // 12 + 1), scale, 1.0)
        spent = led.by_lever.get(p.name, np.zeros(led.shape))
        assert spent.min(initial=0.0) >= 0.0, f"{p.name} booked a negative expense"
        assert not spent[n_months:].any(), f"{p.name} booked an expense in a month still to come"
        # What the ledger says it spent is what the lever counted, overall and this year.
        assert _close(float(spent.sum()), p.spent_total_eur, scale), (
            f"{p.name}: ledger {spent.sum():.2f} vs lever {p.spent_total_eur:.2f}"
        )
        this_year = float(spent[month - month % 12 : n_months].sum())
        assert _close(this_year, p.spent_this_year_eur, scale), (
            f"{p.name}: this year {this_year:.2f} vs {p.spent_this_year_eur:.2f}"
        )
        # Never beyond what its purse received: a twelfth of its yearly budget a month, in whole units for a lever
        # that buys units (a grant, an event, a trainee: Policy.accrue), exactly that budget for the others.
        assert float(spent.sum()) <= p.accrued_eur + tol, f"{p.name} spent beyond the {p.accrued_eur:.2f} € it received"
        if p.unit_eur > 0:
            units = p.accrued_eur / p.unit_eur
            assert abs(units - round(units)) <= 1e-6, f"{p.name} received {units} units, not whole ones"
        else:
            assert abs(p.accrued_eur - budget / 12.0 * n_months) <= tol, f"{p.name} received more than its budget"
        # Its own costs: what it spent beyond its grants to projects.
        own = spent - grants[p.name]
        assert own.min(initial=0.0) >= -tol, f"{p.name} granted {-own.min():.2f} € more than it booked"
        # Levers that pace their own spending (campaigns, events, training, facilitators) spend at most a
        # twelfth of their budget a month on average (whole events and trainees are paid from what accrued).
        paced = float(own.sum())
        assert paced <= p.accrued_eur + tol, f"{p.name}: own costs {paced:.2f} beyond what it received"
        if isinstance(p, lv.Grant):
            assert np.abs(own).max(initial=0.0) <= tol, f"{p.name} books costs besides its grants"
        if isinstance(p, (lv.Communication, lv.CivilSocietyScouts, lv.SupportNetworks)):
            monthly = own[:n_months].sum(axis=1)  # a twelfth of the budget every month, the year never runs short
            np.testing.assert_allclose(monthly, _monthly_share(p), rtol=1e-9, atol=ABS_EUR, err_msg=p.name)
        if isinstance(p, lv.CreativeEvenings):  # whole events only
            events = own / p.params["cost_per_event_eur"]
            assert np.abs(events - np.round(events)).max(initial=0.0) <= 1e-6, f"{p.name}: not whole events"
        if isinstance(p, lv.CapacityBuilding):  # each trained collectivité paid once, in its territory
            trained = np.bincount(model.actors.territory[p.trained], minlength=led.shape[1])
            np.testing.assert_allclose(
                own.sum(axis=0), trained * p.params["cost_per_trainee_eur"], rtol=1e-9, atol=tol, err_msg=p.name
            )
        if p.name in funders:  # the facilitators it hired cost it a twelfth of its budget every month
            lever_engineering += own
            fte = sum(f.fte for f in model.facilitators if f.funder == p.name)
            cost = p.params.get("cost_per_facilitator_eur_per_year", np.nan)
            assert fte * cost == pytest.approx(budget, rel=1e-9), f"{p.name} hired {fte} FTE for {budget:.2f} €"
            np.testing.assert_allclose(own[:n_months].sum(axis=1), budget / 12, rtol=1e-9, atol=ABS_EUR, err_msg=p.name)
    paid_by_levers = led.engineering - led.engineering_local
    diff = np.abs(paid_by_levers - lever_engineering).max(initial=0.0)
    assert diff <= ABS_EUR + REL_EUR * scale, (
        f"levers' engineering differs from their facilitators' pay by {diff:.4f} €"
    )


def check_registry_matches_ledger(model: TerritorialModel) -> None:
    """Per territory, source and launch month, the registry's funding equals the ledger's flows."""
    recs = model.projects.records
    flows = model.ledger.flows
    scale = float(flows.sum())
    at_launch = np.zeros_like(flows)
    revenue = np.zeros(len(model.territories))
    for p in recs:
        at_launch[p.launched_month, p.territory] += p.funding_eur
        at_launch[p.launched_month, p.territory, FundingSource.REVENUE] -= p.funding_eur[FundingSource.REVENUE]
        revenue[p.territory] += p.funding_eur[FundingSource.REVENUE]
    launch_sources = [s for s in FundingSource if s != FundingSource.REVENUE]
    diff = np.abs(at_launch[:, :, launch_sources] - flows[:, :, launch_sources])
    assert diff.max(initial=0.0) <= ABS_EUR + REL_EUR * scale, f"registry and ledger differ by {diff.max():.4f} €"
    # Revenue is earned month by month after launch: compare totals per territory.
    np.testing.assert_allclose(revenue, flows[:, :, FundingSource.REVENUE].sum(axis=0), rtol=REL_EUR, atol=ABS_EUR)
    # Engineering is paid apart from projects: the territories' facilitators × months × monthly cost
    # (those levers pay are checked against the levers' budgets by ``check_policy_money``).
    n_fac = sum(f.funder == "territory" for f in model.facilitators)
    months = model.month + 1
    cost = model.config.funding.facilitator_cost_eur_per_year / 12
    assert _close(float(model.ledger.engineering_local.sum()), n_fac * months * cost, n_fac * months * cost)


@SETTINGS
@given(sc=scenarios())
@example(sc=DEFAULT)
@example(sc=SHOCKED)
@example(sc=ALL_LEVERS)
@example(sc=PACKAGE_SHOCKED)
def test_money_is_conserved(sc: Scenario) -> None:
    model = run_checked(sc, check_money)
    check_registry_matches_ledger(model)


# --------------------------------------------------------------------------- trust


def check_trust(model: TerritorialModel) -> None:
    net = model.trust
    keys, w = net.entries()
    # The pool stores trust / net.unit in float32 (decay lowers the unit, not the pool): a float32 rounding above 1.
    stored = np.concatenate([net.w[s : s + d] for s, d in zip(net.start, net.deg, strict=True)]) * net.unit
    assert np.all((stored >= 0.0) & (stored <= 1.0 + 1e-6)), "stored trust out of [0, 1] (forgotten ties included)"
    assert len(keys) == len(w) and len(keys) % 2 == 0
    assert np.all(np.diff(keys) > 0), "tie keys must be sorted and unique"
    assert np.all((w >= 0.0) & (w <= 1.0)), f"trust out of [0, 1]: {w.min()}..{w.max()}"
    i, j = np.divmod(keys, net.n)
    assert np.all(i != j), "an actor is tied to itself"
    rev = np.searchsorted(keys, j * net.n + i)
    assert np.all(rev < len(keys)) and np.all(keys[np.minimum(rev, len(keys) - 1)] == j * net.n + i), "one-way tie"
    np.testing.assert_array_equal(w, w[rev])  # exact: both copies are written together
    g = model.territories.generalised_trust
    assert np.all((g >= 0.0) & (g <= 1.0))


@SETTINGS
@given(sc=scenarios())
@example(sc=DEFAULT)
@example(sc=ALL_LEVERS)
def test_trust_stays_in_unit_interval_and_ties_are_symmetric(sc: Scenario) -> None:
    run_checked(sc, check_trust)


# --------------------------------------------------------------------------- resources


def check_no_negative_resources(model: TerritorialModel) -> None:
    a = model.actors
    assert a.budget_eur.min(initial=0.0) >= NEG_TOL, f"negative budget {a.budget_eur.min()}"
    assert a.volunteer_hours.min(initial=0.0) >= NEG_TOL, f"negative volunteer hours {a.volunteer_hours.min()}"
    fund = model.territories.local_fund_eur
    assert fund.min(initial=0.0) >= NEG_TOL, f"negative local fund {fund.min()}"
    for p in model.policies:
        # the purse may owe at most one unit bought ahead of its accrual
        assert p.purse_eur >= -p.unit_eur + NEG_TOL, f"{p.name} owes {-p.purse_eur:.2f} €, more than one unit"


@SETTINGS
@given(sc=scenarios())
@example(sc=DEFAULT)
@example(sc=SHOCKED)
@example(sc=ALL_LEVERS)
@example(sc=PACKAGE_SHOCKED)
def test_no_budget_volunteer_time_or_local_fund_goes_negative(sc: Scenario) -> None:
    run_checked(sc, check_no_negative_resources)


# --------------------------------------------------------------------------- life cycle


@SETTINGS
@given(sc=scenarios())
@example(sc=DEFAULT)
@example(sc=ALL_LEVERS)
def test_stage_months_increase_and_nothing_follows_a_failure(sc: Scenario) -> None:
    model = run_checked(sc)
    for p in model.projects.records:
        reached = [s for s in ACTIVE_STAGES if s in p.stage_month]
        assert reached == list(ACTIVE_STAGES[: len(reached)]), f"project {p.id} skipped a stage: {reached}"
        months = [p.stage_month[s] for s in reached]
        assert months[0] == p.launched_month
        assert all(b > a for a, b in itertools.pairwise(months)), f"project {p.id}: {months}"
        assert months[-1] <= model.month
        if p.stage == Stage.FAILED:
            # Failure is drawn before promotion, and may come in the launch month itself.
            assert p.stage_month[Stage.FAILED] >= months[-1], f"project {p.id} has a stage after its failure"
            assert not model.projects.alive[p.id]
        else:
            assert Stage.FAILED not in p.stage_month
            assert p.stage == reached[-1] and model.projects.alive[p.id]
        assert int(model.projects.stage[p.id]) == int(p.stage)


# --------------------------------------------------------------------------- engagement


def check_engagement(model: TerritorialModel) -> None:
    a = model.actors
    busy = np.zeros(a.n, dtype=np.int64)
    engaged = np.zeros(a.n, dtype=np.int64)
    ever = np.zeros(a.n, dtype=bool)
    for p in model.projects.records:
        m = np.array(p.members)
        ever[m] = True
        if p.stage != Stage.FAILED:
            engaged[m] += 1
            if p.stage < Stage.DEPLOYMENT:
                busy[m] += 1  # a deployed project runs on its own staff
    np.testing.assert_array_equal(a.busy, busy)
    np.testing.assert_array_equal(a.engaged, engaged)
    np.testing.assert_array_equal(a.ever_engaged, ever)
    assert np.all(busy <= a.max_projects), "an actor is in more projects than it can take"
    for f in model.facilitators:
        assert len(f.supported) <= model.config.alliances.facilitator_project_capacity
        for pid in f.supported:
            assert model.projects.records[pid].stage in (Stage.SEED, Stage.EXPERIMENTATION, Stage.CONSOLIDATION)


@SETTINGS
@given(sc=scenarios())
@example(sc=DEFAULT)
@example(sc=ALL_LEVERS)
def test_busy_and_engaged_match_the_registry(sc: Scenario) -> None:
    run_checked(sc, check_engagement)


def test_full_collections_wait_for_the_end_of_a_large_run_only() -> None:
    """A large region's run makes no full collection while it runs, one at its end if one came due, and
    leaves the collector's thresholds as they were, even when a month fails; a small region's is untouched."""
    import gc
    import weakref

    from simulation.model.model import _full_collections_deferred

    before = gc.get_threshold()
    with _full_collections_deferred(large=False):
        assert gc.get_threshold() == before
    with _full_collections_deferred(large=True):
        assert gc.get_threshold()[:2] == before[:2] and gc.get_threshold()[2] > 1_000_000

        class Node:
            pass

        cycle = Node()
        cycle.self = cycle  # type: ignore[attr-defined]  # once old, only a full collection frees it
        left = weakref.ref(cycle)
        gc.collect(1)  # it survives into the oldest generation
        del cycle
        for _ in range(before[2] + 1):
            gc.collect(1)  # each counts towards the next full collection
        assert left() is not None, "no full collection while suspended"
    assert gc.get_threshold() == before
    assert left() is None, "the full collection that came due was made at the end"
    with pytest.raises(RuntimeError, match="a month fails"), _full_collections_deferred(large=True):
        raise RuntimeError("a month fails")
    assert gc.get_threshold() == before
