"""Composing the configuration with Hydra (``configs/`` and overrides), run identities, YAML in and out."""

from __future__ import annotations

import dataclasses
import difflib
import enum
import hashlib
import json
import re
import time
import types
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from hydra.core.config_store import ConfigStore
from omegaconf import DictConfig, ListConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from simulation.config.fields import ConfigError
from simulation.config.schema import Config
from simulation.config.validate import validate

CONFIG_DIR = Path(__file__).resolve().parents[2] / "configs"


def _sweep_folder(name: str) -> str:
    return name or time.strftime("%Y-%m-%d_%H-%M-%S")


def register_configs() -> None:
    """Register the schema so that ``configs/config.yaml`` can extend it, and its resolver.

    ``${sweep_folder:${output.sweep_name}}`` is the sweep's name, or its start
    time when unnamed (cached, so that every job of a sweep sees the same folder).
    """
    cs = ConfigStore.instance()
    cs.store(name="schema", node=Config)
    if not OmegaConf.has_resolver("sweep_folder"):
        OmegaConf.register_new_resolver("sweep_folder", _sweep_folder, use_cache=True)


register_configs()


def run_id(config: Config) -> str:
    """A digest of everything that determines a run's results: the same in a run's ``provenance.json`` and
    in a sweep's ``run_id`` column. Left out: the ``output`` section, and ``calibration``, the record of how
    the calibrated values were obtained (the values themselves are in their sections)."""
    return _digest(config, keep_seed=True)


def config_id(config: Config) -> str:
    """:func:`run_id` without the seed: the same for every seed of one configuration (a sweep's ``config_id``)."""
    return _digest(config, keep_seed=False)


def _digest(config: Config, keep_seed: bool) -> str:
    fields = dataclasses.asdict(config)
    for key in ("output", "calibration", *(() if keep_seed else ("seed",))):
        fields.pop(key)
    text = json.dumps(fields, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def to_config(cfg: DictConfig | Config) -> Config:
    """Turn a composed OmegaConf config into validated dataclasses."""
    if isinstance(cfg, Config):
        return validate(cfg)
    try:
        if OmegaConf.get_type(cfg) is Config:
            # Composed by Hydra against the schema: types are checked; a key appended with "+" is not.
            extra = _keys_outside_schema(cfg, Config, "")
            if extra:
                raise ConfigError("invalid configuration:\n  - " + "\n  - ".join(map(unknown_key, extra)))
            obj = OmegaConf.to_object(cfg)
        else:
            typed = OmegaConf.merge(OmegaConf.structured(Config), cfg)
            obj = OmegaConf.to_object(typed)
    except OmegaConfBaseException as e:
        raise ConfigError(f"invalid configuration: {e}") from None
    assert isinstance(obj, Config)
    return validate(obj)


def _keys_outside_schema(node: Any, cls: type, path: str) -> list[str]:
    """Keys of a composed config that its dataclass schema does not have (e.g. appended with "+")."""
    if not (isinstance(node, DictConfig) and dataclasses.is_dataclass(cls)):
        return []
    fields = {f.name for f in dataclasses.fields(cls)}
    out = [f"{path}{k!s}" for k in node if str(k) not in fields and k != "hydra"]
    for name in sorted(fields):
        child = node._get_node(name) if name in node else None
        ftype = OmegaConf.get_type(node, name) if child is not None else None
        if isinstance(child, DictConfig) and ftype is not None and dataclasses.is_dataclass(ftype):
            out += _keys_outside_schema(child, ftype, f"{path}{name}.")
        elif isinstance(child, ListConfig):
            for i, item in enumerate(child):
                item_type = OmegaConf.get_type(item) if isinstance(item, DictConfig) else None
                if item_type is not None and dataclasses.is_dataclass(item_type):
                    out += _keys_outside_schema(item, item_type, f"{path}{name}[{i}].")
    return out


def unknown_key(key: str) -> str:
    """The error for a key the schema does not have: its name, and the keys allowed where it was looked for."""
    parent = _parts(key)[:-1]
    cls: Any = Config
    for part in parent:
        cls = _child_schema(cls, part)
    where = key.rpartition(".")[0] or "the configuration"
    allowed = ", ".join(sorted(typing.get_type_hints(cls))) if dataclasses.is_dataclass(cls) else ""
    return f"{key}: unknown key ({where} has: {allowed})" if allowed else f"{key}: unknown key"


def _child_schema(cls: Any, part: str) -> Any:
    """The schema of ``part`` below the schema ``cls`` (a dataclass, or a list of them); None if it has none."""
    origin = typing.get_origin(cls)
    if origin is list:
        return typing.get_args(cls)[0] if part.isdigit() else None
    if isinstance(cls, types.UnionType):  # ``X | None``
        cls = next((a for a in typing.get_args(cls) if a is not type(None)), None)
    if dataclasses.is_dataclass(cls):
        return typing.get_type_hints(cls).get(part, _MISSING_KEY)
    return None


#: :func:`_child_schema` of a key that a dataclass does not have.
_MISSING_KEY = object()


def _parts(key: str) -> list[str]:
    """``shocks.events[0].start_month`` (or ``shocks.events.0.start_month``) → its parts."""
    return re.sub(r"\[(\d+)\]", r".\1", key).split(".")


def check_override_keys(overrides: Sequence[str]) -> None:
    """Refuse overrides of keys the schema does not have, before Hydra composes anything.

    Hydra would refuse them too, but without saying which keys exist; this names the bad key and the keys
    allowed where it was looked for. Group choices (``region=...``), Hydra's own keys and command-line flags
    are left to Hydra; below a free-form mapping (a lever's ``params``) any key is allowed.

    Raises:
        ConfigError: naming every unknown key.
    """
    problems = []
    for override in overrides:
        key, eq, value = override.partition("=")
        if override.startswith("~") and not override.startswith("~hydra"):
            problems.append(
                f"{override}: deleting a key or a section is not allowed (the run would lose values its record "
                "still names); set the values instead, or choose another preset (e.g. calibration=none)"
            )
            continue
        key = key.lstrip("+~")
        if not eq or override.startswith("-") or "/" in key or "@" in key or key.split(".")[0] == "hydra":
            continue
        parts = _parts(key)
        cls: Any = Config
        for n, part in enumerate(parts):
            cls = _child_schema(cls, part)
            if cls is _MISSING_KEY:
                problems.append(unknown_key(".".join(parts[: n + 1])))
            if cls is None or cls is _MISSING_KEY:
                break
        else:
            problems += _literal_problems(key, value, cls)
    if problems:
        raise ConfigError("invalid configuration:\n  - " + "\n  - ".join(problems))


def _literal_problems(key: str, value: str, cls: Any) -> list[str]:
    """A value written on the command line that its field's type would silently convert: a boolean must be
    ``true`` or ``false`` (OmegaConf reads ``2`` as true), a whole number must be written as one (``2.5`` is
    not read as 2). Sweep syntax (``a,b``, ``range(...)``, ``glob(...)``) is left to Hydra."""
    text = value.strip()
    if any(c in text for c in ",()[]{}$") or not text:
        return []
    if cls is bool and text.lower() not in ("true", "false"):
        return [f"{key} = {text!r}: allowed values are true, false"]
    if cls is int and not re.fullmatch(r"[+-]?\d+(_\d+)*", text) and text.lower() not in ("null",):
        return [f"{key} = {text!r}: must be a whole number"]
    if cls is float and text.lower() != "null":
        try:
            float(text.replace("_", ""))
        except ValueError:
            return [f"{key} = {text!r}: must be a number"]
    return []


def check_config_files(folders: Sequence[Path]) -> None:
    """Refuse, before Hydra reads them, YAML files of the configuration folders that do not parse, or that use
    anchors and aliases (none of the project's do; an alias bomb would make composing hang): the error names
    the file, the line and what is wrong.

    Raises:
        ConfigError: naming each bad file.
    """
    problems = []
    for folder in folders:
        for path in sorted(Path(folder).rglob("*.yaml")):
            try:
                # (PyYAML's own parser, as OmegaConf's: libyaml's accepts tabs that Hydra would then refuse)
                for event in yaml.parse(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader):
                    if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                        mark = event.start_mark
                        problems.append(f"{path}, line {mark.line + 1}: anchors and aliases are not allowed")
                        break
            except yaml.YAMLError as e:
                where = getattr(e, "problem_mark", None)
                line = f", line {where.line + 1}" if where is not None else ""
                problems.append(f"{path}{line}: not valid YAML ({getattr(e, 'problem', None) or e})")
            except (OSError, UnicodeDecodeError) as e:
                problems.append(f"{path}: cannot be read ({e})")
    if problems:
        raise ConfigError("invalid configuration files:\n  - " + "\n  - ".join(problems))


def check_group_choices(overrides: Sequence[str], config_dirs: Sequence[Path] = ()) -> None:
    """Refuse a config group's choice that is not a preset's name (``region=1``, ``funding=nan``,
    ``scenario=true``, ``shocks=null``): Hydra reads it as a number, a boolean or null, and fails with a
    traceback. Quoted names, lists and globs are left to Hydra. An override that does not parse is refused here too,
    naming it (Hydra's own message does not)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.core.override_parser.types import Glob, QuotedString
    from hydra.errors import HydraException

    parser = OverridesParser.create()
    for text in overrides:
        try:
            (override,) = parser.parse_overrides([text])
        except HydraException as e:  # Hydra's own message does not say which override
            said = [line for line in str(e).splitlines() if line.strip() and not line.startswith(("See ", "Error "))]
            reason = said[0].strip() if said else "a syntax error"
            raise ConfigError(
                f"{text}: not a valid override ({reason}); write key=value, quoting a value that holds "
                "brackets, commas or spaces (key='a value')"
            ) from None
        try:
            group = override.key_or_group
            folders = [d / group for d in (CONFIG_DIR, *config_dirs) if (d / group).is_dir()]
            if override.is_delete() or "." in group or not (folders or "/" in group):
                continue
            value = override.value()
            if isinstance(value, Glob):
                continue
            values = list(override.sweep_iterator()) if override.is_sweep_override() else [value]
        except (HydraException, ValueError, TypeError):  # a sweep Hydra cannot expand: Hydra says why
            continue
        presets = sorted({p.stem for folder in folders for p in folder.glob("*.yaml")})
        options = ", ".join(presets)
        if all(isinstance(v, str | QuotedString | list) for v in values):
            # a name that is no preset of the group (Hydra's own groups have their plugins' presets too)
            unknown = [str(v) for v in values if isinstance(v, str | QuotedString) and str(v) not in presets]
            if unknown and presets and not group.startswith("hydra/"):
                near = difflib.get_close_matches(unknown[0], presets, n=1)
                hint = f" (did you mean {near[0]}?)" if near else ""
                raise ConfigError(f"{text}: {group} has no preset {unknown[0]!r}{hint}; allowed values are {options}")
            continue
        # (Hydra's own groups have presets of its plugins too: those of configs/ are examples)
        allowed = f"e.g. {options}" if group.startswith("hydra/") else f"allowed values are {options}"
        allowed = f" ({allowed})" if options else ""
        raise ConfigError(f"{text}: {group} takes the name of a preset, not a number, true/false or null{allowed}")


def compose(overrides: Sequence[str] = (), config_name: str = "config") -> Config:
    """Compose ``configs/`` with Hydra overrides, as the command line does, and validate.

    Raises:
        ConfigError: for an unknown key, a wrong type, an unknown preset or a bad value.
    """
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir
    from hydra.errors import HydraException

    check_override_keys(overrides)
    check_group_choices(overrides)
    try:
        with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
            raw = hydra_compose(config_name=config_name, overrides=list(overrides))
    except (HydraException, OmegaConfBaseException) as e:
        cause = f" ({e.__cause__})" if e.__cause__ is not None and str(e.__cause__) not in str(e) else ""
        raise ConfigError(f"invalid configuration: {e}{cause}") from None
    except ValueError as e:  # e.g. a group chosen by a number (``region=1``): Hydra's own check
        raise ConfigError(f"invalid configuration: {e}") from None
    return to_config(raw)


def to_yaml(cfg: Config, seed: bool = True) -> str:
    """The resolved config as YAML (what a result folder stores); without the ``seed`` key if ``seed`` is False
    (what a sweep stores of a configuration: :func:`from_yaml` then gives it the default seed)."""
    fields = _plain(dataclasses.asdict(cfg))
    if not seed:
        fields.pop("seed")
    # the same text as OmegaConf.to_yaml(OmegaConf.structured(cfg)) (a test holds them equal), without building an
    # OmegaConf node of the whole schema: a tenth of a second of every run's start
    return yaml.safe_dump(fields, sort_keys=False, allow_unicode=True)


def _plain(value: Any) -> Any:
    """``dataclasses.asdict``'s output with enums by name and tuples as lists, as OmegaConf writes them."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, enum.Enum):
        return value.name
    return value


def from_yaml(path: str | Path) -> Config:
    """Load a config written by :func:`to_yaml` (e.g. a result folder's ``config.yaml``)."""
    return to_config(OmegaConf.merge(OmegaConf.structured(Config), OmegaConf.load(path)))  # type: ignore[arg-type]
