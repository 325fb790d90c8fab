"""Typed configuration schemas, their registration with Hydra, and validation.

Every parameter of the model lives here, in a dataclass, with its unit in its
name (``_eur``, ``_months``, ``_per_month``) and its allowed range in the
field's metadata. Hydra's ConfigStore holds the schema; YAML files in
``configs/`` hold values only, one config group per axis of variation
(``region``, ``funding``, ``policies``, ``shocks``, ``scenario``).

Validation happens in two layers, both before any run starts:

* OmegaConf (through Hydra) rejects unknown keys and values of the wrong type;
* :func:`validate` walks the resolved dataclasses and checks each value against
  its metadata (ranges, allowed names), collecting every problem into one
  :class:`ConfigError` that names the full key, the bad value and what is allowed.

Where a default comes from (a seed, or an assumption and why) is written in
``docs/ODD.md``, section "Parameters".
"""

from simulation.config.compose import (
    CONFIG_DIR,
    check_override_keys,
    compose,
    config_id,
    from_yaml,
    register_configs,
    run_id,
    to_config,
    to_yaml,
    unknown_key,
)
from simulation.config.fields import (
    FOLDER_NAME,
    FOLDER_NAME_SAYS,
    SEED_LIMIT,
    Brings,
    ConfigError,
    Interests,
    PerDomain,
    PerKind,
    PerResource,
    PerStage,
    param,
)
from simulation.config.processes import (
    ActorParams,
    AllianceParams,
    EncounterParams,
    FundingConfig,
    IdeaParams,
    OutcomeParams,
    ProjectParams,
    TrustParams,
)
from simulation.config.region import (
    TERRITORY_TYPES,
    PerType,
    RegionConfig,
    TerritoryConfig,
)
from simulation.config.schema import (
    Config,
    OutputConfig,
    PoliciesConfig,
    PolicyConfig,
    ScenarioConfig,
    ShockConfig,
    ShocksConfig,
)
from simulation.config.validate import validate

__all__ = [
    "CONFIG_DIR",
    "FOLDER_NAME",
    "FOLDER_NAME_SAYS",
    "SEED_LIMIT",
    "TERRITORY_TYPES",
    "ActorParams",
    "AllianceParams",
    "Brings",
    "Config",
    "ConfigError",
    "EncounterParams",
    "FundingConfig",
    "IdeaParams",
    "Interests",
    "OutcomeParams",
    "OutputConfig",
    "PerDomain",
    "PerKind",
    "PerResource",
    "PerStage",
    "PerType",
    "PoliciesConfig",
    "PolicyConfig",
    "ProjectParams",
    "RegionConfig",
    "ScenarioConfig",
    "ShockConfig",
    "ShocksConfig",
    "TerritoryConfig",
    "TrustParams",
    "check_override_keys",
    "compose",
    "config_id",
    "from_yaml",
    "param",
    "register_configs",
    "run_id",
    "to_config",
    "to_yaml",
    "unknown_key",
    "validate",
]
