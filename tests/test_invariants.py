"""Invariants that hold for every seed and every allowed parameter value (property-based, hypothesis).

Each example draws a seed (0 always included) and a few parameters within
their allowed ranges — trust gains, failure hazards, the funding rule, an
initial local fund, a dated shock on or off — and runs 36 to 60 months on a
small region (``region.population_scale=0.2``, ~400 actors), checking:

* money is conserved (every euro in a project came from a source), at every month;
* trust stays in [0, 1] and both stored copies of each tie are equal, at every month;
* no budget, volunteer time or local fund goes negative (tolerance -1e-6), at every month;
* a project's stage months increase in stage order, and a failed project has no stage after its failure;
* ``actors.busy`` / ``engaged`` / ``ever_engaged`` equal what the registry implies, at every month.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import pytest
from conftest import compose_small
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from simulation.enums import ACTIVE_STAGES, FundingSource, Stage
from simulation.model import TerritorialModel

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


class Scenario(NamedTuple):
    seed: int
    horizon: int
    overrides: tuple[str, ...]


def _num(x: float) -> str:
    """A float as Hydra parses it (fixed notation: no exponent)."""
    return f"{x:.6f}"


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    seed = draw(st.integers(min_value=0, max_value=2**32 - 1))
    horizon = draw(st.integers(min_value=36, max_value=60))
    success_gain = draw(st.floats(0.0, 0.6))
    failure_loss = draw(st.floats(success_gain + 0.01, 1.0))  # must exceed success_gain (MODEL.md §3.2)
    hazard = draw(st.floats(0.0, 5.0))  # multiplies every stage's base hazard
    ov = [
        f"funding={draw(st.sampled_from(RULES))}",
        f"trust.success_gain={_num(success_gain)}",
        f"trust.failure_loss={_num(failure_loss)}",
        f"trust.reputation_gain={_num(draw(st.floats(0.0, 1.0)))}",
        f"trust.decay_per_month={_num(draw(st.floats(0.0, 0.05)))}",
        f"projects.moral_hazard_per_month={_num(draw(st.floats(0.0, 0.3)))}",
        f"region.territories.0.local_fund_eur={_num(draw(st.sampled_from([0.0, 25_000.0, 400_000.0])))}",
    ]
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
    return Scenario(seed, horizon, tuple(ov))


#: The default model on seed 0, checked in every property (hypothesis runs explicit examples first).
DEFAULT = Scenario(0, 48, ())
#: The default model under a covid-like shock that starts mid-year (budgets withdrawn from actors).
SHOCKED = Scenario(0, 60, ("funding=matching_funds", "shocks=covid_year4", "shocks.events.0.start_month=40"))


def run_checked(sc: Scenario, check: Callable[[TerritorialModel], None] | None = None) -> TerritorialModel:
    """Run the scenario month by month, calling ``check`` after every month."""
    model = TerritorialModel(compose_small(list(sc.overrides), sc.seed, sc.horizon, SCALE))
    for _ in range(sc.horizon):
        model.step()
        if check is not None:
            check(model)
    return model


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
    # Local funds, per territory: spent = initial + reinvested - balance.
    initial = np.array([t.local_fund_eur for t in model.config.region.territories])
    spent = flows[:, :, FundingSource.LOCAL_FUND].sum(axis=0)
    expected = initial + led.reinvested.sum(axis=0) - model.territories.local_fund_eur
    for t in range(len(initial)):
        assert _close(spent[t], expected[t], scale), f"territory {t}: fund spent {spent[t]:.2f} vs {expected[t]:.2f}"
    # Without policy levers there is no policy money (up to the float residue of public - local - fund).
    assert np.abs(flows[:, :, FundingSource.PUBLIC_POLICY]).sum() <= ABS_EUR


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
    # Engineering is paid apart from projects: facilitators × months × monthly cost.
    n_fac = len(model.facilitators)
    months = model.month + 1
    cost = model.config.funding.facilitator_cost_eur_per_year / 12
    assert _close(float(model.ledger.engineering.sum()), n_fac * months * cost, n_fac * months * cost)


@SETTINGS
@given(sc=scenarios())
@example(sc=DEFAULT)
@example(sc=SHOCKED)
def test_money_is_conserved(sc: Scenario) -> None:
    model = run_checked(sc, check_money)
    check_registry_matches_ledger(model)


# --------------------------------------------------------------------------- trust


def check_trust(model: TerritorialModel) -> None:
    net = model.trust
    keys, w = net.entries()
    stored = np.concatenate([net.w[s : s + d] for s, d in zip(net.start, net.deg, strict=True)])
    assert np.all((stored >= 0.0) & (stored <= 1.0)), "stored trust out of [0, 1] (forgotten ties included)"
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
def test_trust_stays_in_unit_interval_and_ties_are_symmetric(sc: Scenario) -> None:
    run_checked(sc, check_trust)


# --------------------------------------------------------------------------- resources


def check_no_negative_resources(model: TerritorialModel) -> None:
    a = model.actors
    assert a.budget_eur.min(initial=0.0) >= NEG_TOL, f"negative budget {a.budget_eur.min()}"
    assert a.volunteer_hours.min(initial=0.0) >= NEG_TOL, f"negative volunteer hours {a.volunteer_hours.min()}"
    fund = model.territories.local_fund_eur
    assert fund.min(initial=0.0) >= NEG_TOL, f"negative local fund {fund.min()}"


@SETTINGS
@given(sc=scenarios())
@example(sc=DEFAULT)
@example(sc=SHOCKED)
def test_no_budget_volunteer_time_or_local_fund_goes_negative(sc: Scenario) -> None:
    run_checked(sc, check_no_negative_resources)


# --------------------------------------------------------------------------- life cycle


@SETTINGS
@given(sc=scenarios())
@example(sc=DEFAULT)
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
def test_busy_and_engaged_match_the_registry(sc: Scenario) -> None:
    run_checked(sc, check_engagement)


def test_full_collections_wait_for_the_end_of_a_large_run_only() -> None:
    """A large region's run makes no full collection while it runs, one at its end if one came due, and
    leaves the collector's thresholds as they were, even when a month fails; a small region's is untouched."""
    import gc
    import weakref

    from simulation.model import _full_collections_deferred

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
