"""Configuration: every config composes, and bad input fails clearly before anything is written."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from pathlib import Path

import pytest

from simulation.config import CONFIG_DIR, Config, ConfigError, compose, from_yaml, to_yaml, validate
from simulation.model.territory import region_table

REPO = Path(__file__).resolve().parent.parent
GROUPS = {
    g: sorted(p.stem for p in (CONFIG_DIR / g).glob("*.yaml")) for g in ("region", "funding", "policies", "shocks")
}
#: The region presets combined with every other group: the two of the original model (one per country), the class's
#: département (a region cut to some départements, at its own sample fraction) and all France (the largest). The
#: other region presets are written by the same generator (``simulation.data.presets``) and compose each on its own
#: (:func:`test_every_region_preset_composes`): 32 regions × every other group would be 4,000 compositions.
COMBINED_REGIONS = ("auvergne_rhone_alpes", "oriental_morocco", "cantal", "france")
COMBINED = {**GROUPS, "region": list(COMBINED_REGIONS)}


def test_default_config_is_the_decade_baseline() -> None:
    cfg = compose()
    assert cfg.seed == 0
    assert cfg.horizon_months == 120
    assert cfg.region.name == "auvergne_rhone_alpes"
    assert set(region_table(cfg.region)["type"]) == {"rural", "peri_urban", "urban"}
    assert cfg.policies.levers == []  # the baseline is the empty list of levers
    assert cfg.scenario.name == "baseline"


@pytest.mark.parametrize("combo", list(itertools.product(*COMBINED.values())), ids=lambda c: "-".join(c))
def test_every_combination_of_groups_composes_and_validates(combo: tuple[str, ...]) -> None:
    cfg = compose([f"{g}={v}" for g, v in zip(COMBINED, combo, strict=True)])
    assert isinstance(cfg, Config)


@pytest.mark.parametrize("region", GROUPS["region"])
def test_every_region_preset_composes(region: str) -> None:
    cfg = compose([f"region={region}"])
    assert cfg.region.name == region
    assert len(region_table(cfg.region)) > 0


@pytest.mark.parametrize("scenario", sorted(p.stem for p in (CONFIG_DIR / "scenario").glob("*.yaml")))
def test_every_scenario_composes(scenario: str) -> None:
    assert compose([f"scenario={scenario}"]).scenario.name == scenario


def test_resolved_config_round_trips_through_yaml(tmp_path: Path) -> None:
    cfg = compose(["region=oriental_morocco", "funding=matching_funds", "shocks=covid_year4", "seed=7"])
    path = tmp_path / "config.yaml"
    path.write_text(to_yaml(cfg))
    assert from_yaml(path) == cfg


@pytest.mark.parametrize(
    "overrides",
    [
        [],
        ["region=oriental_morocco", "funding=matching_funds", "shocks=covid_year4", "seed=7"],
        ["scenario=ceser_package", "region=cantal", "policies.equal_budget_eur_per_year=250000"],
    ],
)
@pytest.mark.parametrize("seed", [True, False])
def test_yaml_is_omegaconfs_text(overrides: list[str], seed: bool) -> None:
    """A result folder's config.yaml is written without OmegaConf (faster), in the very text OmegaConf writes."""
    from omegaconf import OmegaConf

    cfg = compose(overrides)
    node = OmegaConf.structured(cfg)
    if not seed:
        node = OmegaConf.masked_copy(node, [key for key in node if key != "seed"])
    assert to_yaml(cfg, seed=seed) == OmegaConf.to_yaml(node)


#: (overrides, text the error must contain: the bad key, and what is allowed where it applies)
BAD = [
    (["nonexistent_key=3"], ["nonexistent_key: unknown key", "horizon_months, ideas"]),
    (["trust.unknown=0.1"], ["trust.unknown: unknown key", "acquaintance_cap, acquaintance_gain, decay_per_month"]),
    (["+trust.unknown=0.1"], ["trust.unknown: unknown key", "acquaintance_cap"]),
    (["region.territories.0.popul=5"], ["region.territories.0.popul: unknown key", "population"]),
    (["scenario.name=../elsewhere"], ["scenario.name = '../elsewhere'", "letters, digits"]),
    (["seed=abc"], ["seed", "abc"]),
    (["trust.decay_per_month=fast"], ["trust.decay_per_month", "fast"]),
    (["horizon_months=12.5"], ["horizon_months"]),
    (["seed=-1"], ["seed = -1", ">= 0"]),
    (["horizon_months=0"], ["horizon_months = 0", ">= 1"]),
    (["trust.decay_per_month=1.5"], ["trust.decay_per_month = 1.5", "<= 1"]),
    (["region.sample_fraction=0"], ["region.sample_fraction = 0", "> 0"]),
    (["region.sample_fraction=2"], ["region.sample_fraction = 2", "<= 1"]),
    (["trust.failure_loss=0.1"], ["trust.failure_loss", "must exceed trust.success_gain"]),
    (["funding.public_share=0.9"], ["funding.public_share", "must sum to 1"]),
    (["projects.base_hazard_per_month.seed=-0.1"], ["projects.base_hazard_per_month.seed", ">= 0"]),
    # (territories listed by hand: the presets take theirs from the official data, and list none)
    (
        ["region.data=''", "region.territories=[{name: a, generalised_trust: 2}]"],
        ["region.territories[0].generalised_trust = 2", "<= 1"],
    ),
    (
        ["region.data=''", "region.territories=[{name: a, type: suburb}]"],
        ["region.territories[0].type", "rural, peri_urban, urban"],
    ),
    (["region=atlantis"], ["region has no preset 'atlantis'", "auvergne_rhone_alpes", "oriental_morocco"]),
    (["funding=magic"], ["funding has no preset 'magic'", "four_tiers"]),
    (
        ["funding.rule=magic"],
        ["funding.rule = 'magic'", "four_tiers, public_led, private_led, matching_funds, free_mix"],
    ),
    (["policies.levers=[{name: no_such_lever}]"], ["policies.levers[0].name = 'no_such_lever'"]),
    (["shocks=covid_year4", "horizon_months=24"], ["shocks.events[0].start_month = 36", "horizon_months"]),
]


@pytest.mark.parametrize(("overrides", "expected"), BAD, ids=[" ".join(o) for o, _ in BAD])
def test_bad_config_names_the_key(overrides: list[str], expected: list[str]) -> None:
    with pytest.raises(ConfigError) as err:
        compose(overrides)
    for text in expected:
        assert text in str(err.value), f"{text!r} not in: {err.value}"


def test_validate_reports_every_problem_at_once() -> None:
    cfg = compose()
    cfg.trust.decay_per_month = 2.0
    cfg.ideas.lifetime_months = 0
    with pytest.raises(ConfigError) as err:
        validate(cfg)
    assert "trust.decay_per_month = 2.0" in str(err.value)
    assert "ideas.lifetime_months = 0" in str(err.value)


#: The whole corpus again through the command line, and what only the command line can get wrong.
CLI_BAD = [
    *BAD,
    (["output.results_dir={tmp}/a_file"], ["output.results_dir = ", "a_file: is a file"]),
    (["output.results_dir={tmp}/a_file/results"], ["output.results_dir = ", "lies under", "a_file, a file"]),
    (["output.results_dir={tmp}/dangling"], ["output.results_dir = ", "dangling: is a link to nothing"]),
]


@pytest.mark.parametrize(("overrides", "expected"), CLI_BAD, ids=[" ".join(o) for o, _ in CLI_BAD])
def test_command_line_rejects_bad_input_before_writing_and_keeps_earlier_results(
    tmp_path: Path, overrides: list[str], expected: list[str]
) -> None:
    (tmp_path / "a_file").write_text("not a folder\n")
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    overrides = [o.replace("{tmp}", str(tmp_path)) for o in overrides]
    results = tmp_path / "results"
    earlier = results / "2026-01-01_00-00-00_baseline_seed0"
    earlier.mkdir(parents=True)
    (earlier / "summary.md").write_text("an earlier result\n")
    before = sorted((p.relative_to(results), p.stat().st_mtime_ns) for p in results.rglob("*"))
    proc = subprocess.run(
        [sys.executable, "-m", "simulation.run", f"output.results_dir={results}", *overrides],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "HYDRA_FULL_ERROR": "0"},
    )
    assert proc.returncode != 0
    for text in expected:
        assert text in proc.stdout + proc.stderr, f"{text!r} not in: {proc.stderr}"
    after = sorted((p.relative_to(results), p.stat().st_mtime_ns) for p in results.rglob("*"))
    assert after == before, "a rejected run must not write or touch anything"
    assert not (REPO / "outputs").exists() and not (REPO / "multirun").exists()


def test_hydras_own_flags_pass_the_key_check() -> None:
    """Only configuration overrides are checked against the schema: ``-sc install=bash`` is Hydra's shell
    completion, not a key named ``install``."""
    proc = subprocess.run(
        [sys.executable, "-m", "simulation.run", "-sc", "install=bash"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0 and "hydra_bash_completion" in proc.stdout, proc.stderr
