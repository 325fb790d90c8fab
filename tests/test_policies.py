"""Policy levers: plug-ins with their own budget and random stream (docs/ODD.md §7.9)."""

from __future__ import annotations

import signal
from functools import cache
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from conftest import small_region

from simulation.config import CONFIG_DIR, compose
from simulation.config.schema import PolicyConfig
from simulation.model import records
from simulation.model.model import TerritorialModel, outcomes
from simulation.policies import REGISTRY, make_policies

SMALL = tuple(small_region())  # the Cantal at its preset's sample fraction (~500 actors)
HORIZON = "horizon_months=72"
LEVERS = sorted(p.stem for p in (CONFIG_DIR / "policies").glob("*.yaml") if p.stem not in ("baseline",))


@cache
def _run(*overrides: str) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    horizon = () if any(o.startswith("horizon_months=") for o in overrides) else (HORIZON,)
    model = TerritorialModel(compose([*SMALL, *horizon, *overrides])).run()
    ts = outcomes.timeseries(model)
    return ts, records.registry(model), outcomes.summarise(model, ts)


def test_every_lever_of_model_md_is_registered() -> None:
    expected = {f"p{i}" for i in range(1, 9)} | {"capacity_building", "local_priority", "attractiveness"}
    names = set(REGISTRY)
    assert {n.split("_")[0] if n.startswith("p") and n[1].isdigit() else n for n in names} == expected


@pytest.mark.parametrize("group", [g for g in LEVERS if g != "ceser_package"])
def test_a_lever_with_zero_budget_gives_the_baseline_bit_for_bit(group: str) -> None:
    ts0, reg0, _ = _run()
    ts, reg, _ = _run(f"policies={group}", "policies.levers.0.budget_eur_per_year=0")
    pd.testing.assert_frame_equal(ts.drop(columns=[]), ts0)
    pd.testing.assert_frame_equal(reg, reg0)


@pytest.mark.parametrize("group", LEVERS)
def test_every_lever_spends_within_its_budget_and_books_it(group: str) -> None:
    """Each lever spends what its purse received of its budget (a twelfth a month, in whole units for a lever that
    buys units), never more (a budget large enough that every lever buys, and P5's selection asking for two kinds
    of actor instead of three: in a region of 500 actors, mostly firms, coalitions of three kinds with a democratic
    governance are too rare for this test of the accounts to see one)."""
    cfg = compose(
        [
            *SMALL,
            HORIZON,
            f"policies={group}",
            "policies.equal_budget_eur_per_year=40000000",  # 5 M€ a lever in the package: 200 k€ for the 4% sample
            "+policies.params_by_lever.p5_selection.min_kinds=2",
        ]
    )
    model = TerritorialModel(cfg).run()
    budgets = {p.name: p.budget_eur_per_year for p in model.policies}
    assert budgets and all(b > 0 for b in budgets.values())
    for p in model.policies:
        spent = model.ledger.by_lever.get(p.name, np.zeros(model.ledger.shape)).sum(axis=1)
        assert spent.sum() <= p.accrued_eur + 1e-6, f"{p.name} spent beyond what its purse received"
        assert spent.sum() > 0, f"{p.name} spent nothing in {cfg.horizon_months} months"
        assert np.all(spent >= 0)
    # The configured budgets are the real region's; the sample spends them times its fraction.
    f = cfg.region.sample_fraction
    assert all(p.budget_eur_per_year == pytest.approx(p.real_budget_eur_per_year * f) for p in model.policies)
    if cfg.policies.equal_budget_eur_per_year is not None:
        real = sum(p.real_budget_eur_per_year for p in model.policies)
        assert real == pytest.approx(cfg.policies.equal_budget_eur_per_year)


@pytest.mark.parametrize(("lever", "unit"), [("p3_seed_grants", "grant_eur"), ("p7_innovation_fund", None)])
def test_a_lever_whose_unit_exceeds_its_budget_spends_its_budget_on_average(lever: str, unit: str | None) -> None:
    """A sample's budget smaller than one unit (a 1% sample of 250 k€ a year: 2.5 k€, for grants of 20 k€ or
    up to 80 k€), asked for a unit several times a month: over 2,000 decades it spends its budget on average
    (within four standard errors of the units' count), and never more than its purse received."""
    model = SimpleNamespace(territories=SimpleNamespace(sample_fraction=0.01))
    policy = REGISTRY[lever](PolicyConfig(name=lever, budget_eur_per_year=250_000.0), model, seed=0)  # type: ignore[arg-type]
    cost = policy.unit_eur
    months, spent = 120 * 2000, 0.0
    for _ in range(months):
        policy.accrue()
        for _ask in range(5):
            if policy.affords(cost):
                policy.pay(cost)
                spent += cost
        assert policy.purse_eur >= -1e-9, "never spends what its purse does not hold"
    expected = policy.budget_eur_per_year / 12 * months
    units = expected / cost  # the units' count is binomial: its standard error is about its square root
    assert abs(spent - expected) <= 4 * np.sqrt(units) * cost, (spent / expected, units)
    assert spent <= policy.accrued_eur + 1e-6


def test_lever_spending_counts_as_public_money() -> None:
    model = TerritorialModel(compose([*SMALL, HORIZON, "policies=p1"])).run()
    s = outcomes.summarise(model, outcomes.timeseries(model))
    spend = records.spending(model)
    by_channel = spend.groupby("channel")["public_eur"].sum()
    assert by_channel["lever:p1_communication"] == pytest.approx(s["public_eur_lever_p1_communication"])
    assert spend["public_eur"].sum() == pytest.approx(s["public_eur_cumulative"])  # levers are public money
    # and what the campaigns spent (the ledger) stays within the yearly budget the lever was given, in real euros
    years = (model.month + 1) / 12
    assert 0 < by_channel["lever:p1_communication"] <= model.policies[0].real_budget_eur_per_year * years * (1 + 1e-9)


def test_the_grants_in_the_registry_are_the_levers_spending() -> None:
    """Two records built apart: the projects' policy funding (the registry, from each project's money) and the
    lever's spending (the ledger's public money by month and territory), in real euros (a simulated project
    stands for ``weight`` real ones)."""
    budget = "++policies.levers.0.budget_eur_per_year=2000000"
    model = TerritorialModel(compose([*SMALL, HORIZON, "policies=p3", budget])).run()
    reg, spend = records.registry(model), records.spending(model)
    granted = float((reg["funding_public_policy_eur"] * reg["weight"]).sum())
    assert granted > 0
    assert granted == pytest.approx(spend.loc[spend["channel"] == "lever:p3_seed_grants", "public_eur"].sum())


def test_switching_a_policy_on_keeps_the_baseline_draws_until_it_acts() -> None:
    """Common random numbers: P1 acts only through visible successes, so months before the first one match."""
    ts0, _, _ = _run()
    ts, _, _ = _run("policies=p1")
    first_success = int(np.argmax(ts0["successes_cumulative"].to_numpy() > 0))
    assert first_success > 6
    cols = [
        c for c in ts0.columns if c not in ("public_eur", "public_eur_cumulative", "leverage", "public_eur_per_job")
    ]
    pd.testing.assert_frame_equal(ts.loc[: first_success - 1, cols], ts0.loc[: first_success - 1, cols])
    assert not ts["trust_mean"].equals(ts0["trust_mean"])  # and it does act afterwards


#: Seeds of each lever's effect test, and the standard errors of the paired differences its mean change must exceed.
EFFECT_SEEDS, EFFECT_T = 16, 2.0
EFFECTS: list[tuple[str, ...]] = [
    ("p1", "generalised_trust_mean", +1),
    ("p2", "cross_sector_tie_share", +1),
    # Money for projects adds launches only where coalitions lack it: with coalitions of four or five partners, few
    # do in a small region over two and a half years, so these two levers get a larger budget to show their effect.
    ("p3", "projects_launched_cumulative", +1, "++policies.levers.0.budget_eur_per_year=2000000"),
    ("p4", "projects_launched_cumulative", +1, "++policies.levers.0.budget_eur_per_year=2000000"),
    ("p6", "ideas_cumulative", +1),
    ("p8", "replications_cumulative", +1, "horizon_months=120"),
    # At its defaults this lever reaches only the projects with a trained collectivité (a collectivité is in fewer
    # than a tenth of them), too few to show in a small region: its two effects are turned up, and its budget (a
    # small region's sample trains a few collectivités a year at 500 k€), over the decade (trained collectivités
    # take years to be in enough projects).
    (
        "capacity_building",
        "successes_cumulative",
        +1,
        "horizon_months=120",
        "++policies.levers.0.budget_eur_per_year=2000000",
        "+policies.levers.0.params.hazard_reduction=0.9",
        "+policies.levers.0.params.idea_gain=3",
    ),
]


@pytest.mark.parametrize("effect", EFFECTS, ids=[e[0] for e in EFFECTS])
def test_each_lever_moves_what_it_acts_on(effect: tuple) -> None:
    """Paired over :data:`EFFECT_SEEDS` seeds (the same seed with and without the lever): the mean change must exceed
    2% of the baseline value in the stated direction, and :data:`EFFECT_T` standard errors of the paired
    differences (a one-sided test at about 3% with 15 degrees of freedom): one seed's luck cannot make it."""
    group, outcome, sign, *extra = effect
    setting = [o for o in extra if not o.lstrip("+").startswith("policies.")]
    params = [o for o in extra if o.lstrip("+").startswith("policies.")]  # the lever's own, after its budget
    budget = "policies.levers.0.budget_eur_per_year=500000"
    seeds = range(EFFECT_SEEDS)
    bases = np.array([_run(f"seed={s}", *setting)[2][outcome] for s in seeds])
    levers = np.array([_run(f"seed={s}", *setting, f"policies={group}", budget, *params)[2][outcome] for s in seeds])
    moved = sign * (levers - bases)
    se = moved.std(ddof=1) / np.sqrt(len(moved))
    said = f"{group}: {outcome} {bases.mean():.4g} → {levers.mean():.4g}, seed by seed {bases} → {levers}"
    assert moved.mean() > 0.02 * abs(bases.mean()), said
    assert moved.mean() > EFFECT_T * se, f"{said}: {moved.mean() / se:.1f} standard errors"


def test_grants_go_only_to_eligible_projects() -> None:
    # 4 M€ a year: 160 k€ for the small region's 4% sample, two grants of up to 80 k€ a year
    _, reg, _ = _run("policies=p7", "policies.levers.0.budget_eur_per_year=4000000")
    granted = reg[reg["policy_levers"].map(lambda ls: "p7_innovation_fund" in list(ls))]
    assert len(granted) > 0
    assert ((granted["form"] == "alliance") | (granted["governance"] == "multi_stakeholder")).all()
    _, reg, _ = _run("policies=local_priority", "policies.levers.0.budget_eur_per_year=500000")
    granted = reg[reg["policy_levers"].map(lambda ls: "local_priority" in list(ls))]
    assert len(granted) > 0
    assert granted["member_kinds"].map(lambda ks: "firm" in list(ks) and "collectivite" in list(ks)).all()


def test_selection_and_attractiveness_grant_only_what_their_rules_admit() -> None:
    """P5 grants coalitions of several kinds of actor with a governance other than the classic one (CESER 2019,
    P5); the attractiveness counterfactual grants projects with a nomadic firm or an emblematic budget
    (Reengineering). Three seeds each, every grant checked."""
    for lever, rule in (("p5", "selection"), ("attractiveness", "attractiveness")):
        granted = []
        for seed in range(3):
            budget = "policies.levers.0.budget_eur_per_year=500000"
            model = TerritorialModel(compose([*SMALL, HORIZON, f"seed={seed}", f"policies={lever}", budget])).run()
            reg = records.registry(model)
            name = model.policies[0].name
            rows = reg[reg["policy_levers"].map(lambda ls, name=name: name in list(ls))]
            if rule == "selection":
                kinds = rows["member_kinds"].map(lambda ks: len(set(ks)))
                assert (kinds >= model.policies[0].params["min_kinds"]).all(), rows[["member_kinds"]]
                assert (rows["governance"] != "classic").all()
            else:
                nomadic = rows["members"].map(lambda ms, a=model.actors: bool(a.nomadic[list(ms)].any()))
                emblematic = rows["budget_eur"] >= model.policies[0].params["emblematic_budget_eur"]
                assert (nomadic | emblematic).all(), rows[["members", "budget_eur"]]
            granted.append(len(rows))
        assert sum(granted) > 0, f"{lever} granted nothing in three seeds"


def test_equal_budget_splits_one_budget_over_the_levers() -> None:
    cfg = compose([*SMALL, HORIZON, "policies=ceser_package", "policies.equal_budget_eur_per_year=800000"])
    model = TerritorialModel(cfg)
    policies = make_policies(cfg.policies, model, cfg.seed)
    assert len(policies) == 8
    assert all(p.real_budget_eur_per_year == pytest.approx(100_000) for p in policies)
    assert all(p.budget_eur_per_year == pytest.approx(100_000 * cfg.region.sample_fraction) for p in policies)


def test_creative_evenings_end_their_month_when_no_territory_can_host_one() -> None:
    """An event needs two participants; where no territory has two actors the lever holds none (and pays nothing),
    rather than looking for a host forever."""
    model = TerritorialModel(compose(["policies=p2", "horizon_months=3"]))
    lever = model.policies[0]
    model.actors.start = np.arange(len(model.territories) + 1)  # one actor per territory

    def hung(*_: object) -> None:
        raise TimeoutError("the lever kept looking for a host territory")

    signal.signal(signal.SIGALRM, hung)
    signal.alarm(20)  # a failure, not a hang, if the month never ends
    try:
        lever.on_month(model)
    finally:
        signal.alarm(0)
    assert model.ledger.lever(lever.name).sum() == 0.0
    assert lever.extra_encounters(model)[0].size == 0
