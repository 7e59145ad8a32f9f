"""The ``ember`` command's configuration: reading TOML (or YAML/JSON), checking every key
and value, filling defaults from the bundled ``default.toml``, and writing the resolved
config of a run.

A config is checked as a whole before anything runs: an unknown key (with a "did you
mean"), a value of the wrong type or out of range raises :class:`CLIError` naming the key.
Omitted keys take the value of the default config (the small CNN on the digits).

>>> cfg = resolve({"train": {"epochs": 2}})
>>> cfg["train"]["epochs"], cfg["data"]["dataset"]
(2, 'digits')
>>> resolve({"train": {"epoch": 2}})  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
ember.cli._errors.CLIError: unknown key [train] 'epoch'. Did you mean 'epochs'? ...
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path
from typing import Any

from ..metrics import suggest
from ._errors import CLIError, choices_text, describe

DATASETS = ("digits", "mnist", "fashion_mnist", "cifar10", "folder", "npz", "npy")
RESOLVED_TOML, RESOLVED_JSON = "config.resolved.toml", "config.resolved.json"

Checker = Callable[[Any, str], Any]


# ---------------------------------------------------------------------- value checkers
def _fail(where: str, expected: str, value: Any) -> CLIError:
    return CLIError(f"{where} must be {expected}, got {describe(value)}")


def integer(low: int | None = None) -> Checker:
    def check(value: Any, where: str) -> int:
        expected = "an integer" + ("" if low is None else f" >= {low}")
        if not isinstance(value, int) or isinstance(value, bool):
            raise _fail(where, expected, value)
        if low is not None and value < low:
            raise _fail(where, expected, value)
        return value
    return check


def number(low: float, high: float, *, low_open: bool = False, high_open: bool = True
           ) -> Checker:
    lo, hi = "(" if low_open else "[", ")" if high_open else "]"
    expected = f"a number in {lo}{low:g}, {high:g}{hi}"

    def check(value: Any, where: str) -> float:
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise _fail(where, expected, value)
        if (value < low or (low_open and value == low) or value > high
                or (high_open and value == high)):
            raise _fail(where, expected, value)
        return float(value)
    return check


def boolean(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise _fail(where, "true or false", value)
    return value


def string(choices: tuple[str, ...] | None = None) -> Checker:
    def check(value: Any, where: str) -> str:
        if not isinstance(value, str):
            raise _fail(where, "a string", value)
        if choices is not None and value not in choices:
            raise CLIError(f"{where} must be one of {choices_text(choices)}, got "
                           f"{value!r}.{suggest(value, choices)}")
        return value
    return check


def path(value: Any, where: str) -> str:
    """A path string, made absolute (relative paths are relative to the current folder)."""
    if not isinstance(value, str) or not value:
        raise _fail(where, "a path (a non-empty string)", value)
    return os.path.abspath(os.path.expanduser(value))


def listof(item: Checker, expected: str, length: int | None = None,
           nonempty: bool = False) -> Checker:
    def check(value: Any, where: str) -> list:
        ok = isinstance(value, list) and (length is None or len(value) == length)
        if not ok or (nonempty and not value):
            raise _fail(where, expected, value)
        return [item(v, f"{where}[{i}]") for i, v in enumerate(value)]
    return check


def optional(check: Checker) -> Checker:
    def inner(value: Any, where: str) -> Any:
        return None if value is None else check(value, where)
    return inner


def spec(value: Any, where: str) -> dict | None:
    """A named thing with options: ``"adamw"`` or ``{type = "adamw", lr = 1e-3}``;
    ``"none"`` or ``false`` means none. Options are checked when the thing is built."""
    if value is None or value is False or (isinstance(value, str) and value.lower() == "none"):
        return None
    if isinstance(value, str):
        return {"type": value}
    if not isinstance(value, dict):
        raise _fail(where, 'a name or a table with a "type" key', value)
    if "type" not in value:
        raise CLIError(f'{where} needs a "type" key naming what to build, got keys '
                       f"{sorted(value)}")
    if not isinstance(value["type"], str):
        raise _fail(f"{where}.type", "a string", value["type"])
    return copy.deepcopy(value)


def spec_list(value: Any, where: str) -> list[dict]:
    if not isinstance(value, list):
        raise _fail(where, 'an array of names or tables with a "type" key', value)
    specs = [spec(v, f"{where}[{i}]") for i, v in enumerate(value)]
    return [s for s in specs if s is not None]


def source(value: Any, where: str) -> str | list[str]:
    """A file or folder, or a pair of .npy files ``[x, y]``."""
    if isinstance(value, list):
        return listof(path, "a pair of .npy paths [x, y]", length=2)(value, where)
    return path(value, where)


def run_name(value: Any, where: str) -> str:
    name = string()(value, where)
    if not name or "/" in name or "\\" in name or name in (".", ".."):
        raise _fail(where, "a folder name (no path separators)", value)
    return name


_int_pos, _floats = integer(1), listof(number(-1e30, 1e30), "an array of numbers",
                                       nonempty=True)

# section -> key -> checker; top-level keys are under "".
SCHEMA: dict[str, dict[str, Checker]] = {
    "": {"seed": integer(0)},
    "data": {
        "dataset": string(DATASETS),
        "root": optional(path),
        "download": boolean,
        "train": optional(source),
        "test": optional(source),
        "test_split": number(0, 1, low_open=True),
        "validation_split": number(0, 1),
        "normalize": boolean,
        "mean": optional(_floats),
        "std": optional(_floats),
        "max_train_samples": optional(_int_pos),
        "max_test_samples": optional(_int_pos),
        "image_size": optional(listof(_int_pos, "an array [height, width]", length=2)),
        "channels": optional(integer(1)),
        "classes": optional(listof(string(), "an array of class names", nonempty=True)),
    },
    "model": {
        "layers": listof(lambda v, w: v, 'a non-empty array of tables with a "type" key',
                         nonempty=True),
        "input_shape": optional(listof(_int_pos, "an array of positive integers",
                                       nonempty=True)),
    },
    "train": {
        "epochs": _int_pos,
        "batch_size": _int_pos,
        "optimizer": spec,
        "scheduler": spec,
        "loss": spec,
        "metrics": listof(string(), "an array of metric names"),
        "callbacks": spec_list,
        "clip_grad_norm": optional(number(0, 1e30, low_open=True)),
        "monitor": optional(string()),
    },
    "output": {"dir": path, "name": optional(run_name)},
}
SECTIONS = tuple(s for s in SCHEMA if s)

# keys whose value is a string (or a path): ``--set output.name=2024`` means the text "2024"
STRING_KEYS = {("output", "name"), ("output", "dir"), ("data", "root"), ("data", "dataset"),
               ("data", "train"), ("data", "test"), ("train", "monitor")}


# ---------------------------------------------------------------------- reading
def read_file(filename: str | os.PathLike) -> dict:
    """The raw mapping in a .toml, .yaml/.yml or .json file."""
    p = Path(filename)
    if not p.is_file():
        raise CLIError(f"config file not found: {p}" + (" (it is a folder)" if p.is_dir()
                                                        else ""))
    suffix = p.suffix.lower()
    try:
        if suffix in (".yaml", ".yml"):
            data = _yaml().safe_load(p.read_text(encoding="utf-8"))
        elif suffix == ".json":
            data = json.loads(p.read_text(encoding="utf-8"))
        else:
            data = _toml().loads(p.read_text(encoding="utf-8"))
    except CLIError:
        raise
    except Exception as exc:  # each parser has its own error class
        raise CLIError(f"could not parse {p.name}: {exc}") from None
    if not isinstance(data, dict):
        raise CLIError(f"{p.name}: expected a table of settings at the top level, got "
                       f"{describe(data)}")
    return data


def _toml() -> Any:
    try:
        import tomllib
    except ImportError:  # Python 3.10
        try:
            import tomli as tomllib
        except ImportError:
            raise CLIError('reading TOML on Python 3.10 needs tomli: pip install "ember[train]"'
                           ) from None
    return tomllib


def _yaml() -> Any:
    try:
        import yaml
    except ImportError:
        raise CLIError("reading a YAML config needs PyYAML: pip install pyyaml") from None
    return yaml


def default_config() -> dict:
    """The bundled default config (``ember/cli/default.toml``)."""
    text = resources.files("ember.cli").joinpath("default.toml").read_text(encoding="utf-8")
    return _toml().loads(text)


def parse_override(item: str) -> tuple[list[str], Any]:
    """``"train.epochs=3"`` -> ``(["train", "epochs"], 3)``; the value is read as TOML,
    else taken as a string. A key that takes a string (``output.name``, ``data.root``,
    ...) keeps the text as written when TOML reads it as a number, date or boolean.

    >>> parse_override("train.optimizer={type='sgd', lr=0.1}")
    (['train', 'optimizer'], {'type': 'sgd', 'lr': 0.1})
    >>> parse_override("output.name=run1"), parse_override("output.name=2024-01-01")
    ((['output', 'name'], 'run1'), (['output', 'name'], '2024-01-01'))
    """
    key, sep, text = item.partition("=")
    if not sep or not key.strip():
        raise CLIError(f"--set expects KEY=VALUE (e.g. train.epochs=5), got {item!r}")
    keys = [k.strip() for k in key.strip().split(".")]
    try:
        value = _toml().loads(f"v = {text}")["v"]
    except Exception:
        value = text
    if tuple(keys) in STRING_KEYS and not isinstance(value, (str, list, dict)):
        value = text.strip()  # a bare word is a string: 2024, true, 2024-01-01
    return keys, value


def apply_overrides(config: dict, items: list[str | tuple[str, Any]]) -> dict:
    """Set ``"section.key=value"`` items (or ``("section.key", value)`` pairs, taken as
    they are) into (a copy of) ``config``."""
    config = copy.deepcopy(config)
    for item in items:
        if isinstance(item, tuple):
            keys, value = item[0].split("."), item[1]
        else:
            keys, value = parse_override(item)
        if len(keys) > 2:
            raise CLIError(f"--set {item!r}: expected KEY or SECTION.KEY")
        target = config
        if len(keys) == 2:
            if keys[0] not in SECTIONS:
                raise CLIError(f"--set {item!r}: unknown section {keys[0]!r}."
                               f"{suggest(keys[0], SECTIONS)} Sections: "
                               f"{choices_text(SECTIONS)}")
            target = config.setdefault(keys[0], {})
            if not isinstance(target, dict):
                raise CLIError(f"--set {item!r}: [{keys[0]}] is not a table in the config")
        target[keys[-1]] = value
    return config


# ---------------------------------------------------------------------- checking
def _unknown(where: str, key: str, valid: list[str]) -> CLIError:
    hint = suggest(key, valid)
    if not hint:  # a key of another section: epochs = 3 at the top means train.epochs
        homes = [s for s in SECTIONS if key in SCHEMA[s] and f"[{s}] " != where]
        if homes:
            hint = (f" Did you mean [{homes[0]}] {key} (--set {homes[0]}.{key}=...)?")
    return CLIError(f"unknown key {where}{key!r}.{hint} Valid keys"
                    f"{' in ' + where.strip() if where else ''}: {', '.join(valid)}")


def _check_section(name: str, values: dict) -> dict:
    schema = SCHEMA[name]
    where = f"[{name}] " if name else ""
    out = {}
    for key, value in values.items():
        if key not in schema:
            raise _unknown(where, key, sorted(schema) + ([] if name else list(SECTIONS)))
        out[key] = schema[key](value, f"{where}{key}".strip())
    return out


def resolve(user: dict, defaults: dict | None = None) -> dict:
    """Check ``user`` and fill what it omits from ``defaults`` (the default config);
    returns a new dict with every section and key (``None`` where unset)."""
    defaults = default_config() if defaults is None else defaults
    for key, value in user.items():
        if key in SECTIONS and not isinstance(value, dict):
            raise _fail(f"[{key}]", "a table", value)
    top = {k: v for k, v in user.items() if k not in SECTIONS}
    resolved: dict[str, Any] = {key: None for key in SCHEMA[""]}
    resolved.update(_check_section("", {k: v for k, v in defaults.items()
                                        if k not in SECTIONS}))
    resolved.update(_check_section("", top))
    for name in SECTIONS:
        section = {key: None for key in SCHEMA[name]}
        section.update(_check_section(name, defaults.get(name, {})))
        section.update(_check_section(name, user.get(name, {})))
        resolved[name] = section
    _check_layers(resolved["model"]["layers"])
    _check_data(resolved["data"], user.get("data", {}))
    return resolved


def _check_layers(layers: list) -> None:
    for i, layer in enumerate(layers):
        where = f"[model] layers[{i}]"
        if not isinstance(layer, dict):
            raise _fail(where, 'a table such as { type = "ReLU" }', layer)
        if not isinstance(layer.get("type"), str):
            raise CLIError(f'{where} needs a "type" key naming an ember.nn layer, got '
                           f"{describe(layer)}")


_NEEDS = {"mnist": "root", "fashion_mnist": "root", "cifar10": "root", "folder": "train",
          "npz": "train", "npy": "train"}
_USES = {"digits": set(), "mnist": {"root", "download"}, "fashion_mnist": {"root", "download"},
         "cifar10": {"root", "download"}, "folder": {"train", "test", "image_size", "channels"},
         "npz": {"train", "test"}, "npy": {"train", "test"}}
_SPECIFIC = {"root", "download", "train", "test", "image_size", "channels"}


def _check_data(data: dict, given: dict) -> None:
    kind = data["dataset"]
    needed = _NEEDS.get(kind)
    if needed and data[needed] is None:
        raise CLIError(f"[data] dataset = {kind!r} needs [data] {needed} (the "
                       f"{'folder holding the files' if needed == 'root' else 'training data'})")
    for key in sorted(_SPECIFIC - _USES[kind]):
        if given.get(key) not in (None, False):
            raise CLIError(f"[data] {key} is not used by dataset = {kind!r}; remove it "
                           f"(it applies to: {', '.join(k for k in _USES if key in _USES[k])})")
    for key in ("train", "test"):
        value = data[key]
        if value is None:
            continue
        if kind == "npy" and not isinstance(value, list):
            raise CLIError(f'[data] {key} must be a pair of .npy files ["x.npy", "y.npy"] for '
                           f"dataset = 'npy', got {describe(value)}")
        if kind != "npy" and isinstance(value, list):
            raise CLIError(f"[data] {key} must be one path for dataset = {kind!r}, got "
                           f"{describe(value)} (a pair of .npy files needs dataset = 'npy')")
    if (data["mean"] is None) != (data["std"] is None):
        raise CLIError("[data] mean and std go together: give both or neither")
    if data["mean"] is not None:
        if len(data["mean"]) != len(data["std"]):
            raise CLIError(f"[data] mean and std need one value per channel each, got "
                           f"{len(data['mean'])} and {len(data['std'])}")
        if any(s <= 0 for s in data["std"]):
            raise CLIError(f"[data] std values must be > 0, got {data['std']}")


def label(filename: str | os.PathLike | None) -> str:
    """How messages name a config: its file name, or "the default config"."""
    return "the default config" if filename is None else os.fspath(filename)


@contextlib.contextmanager
def blame(source: str) -> Iterator[None]:
    """Config errors raised inside (messages that start with a ``[section]`` key) gain the
    ``source:`` prefix, as the errors of checking the file do."""
    try:
        yield
    except CLIError as err:
        if str(err).startswith("["):
            raise CLIError(f"{source}: {err}", err.exit_code) from None
        raise


def load(filename: str | os.PathLike | None,
         overrides: list[str | tuple[str, Any]] | None = None) -> dict:
    """Read, override, check and resolve a config file (``None``: the default config)."""
    raw = {} if filename is None else read_file(filename)
    try:
        return resolve(apply_overrides(raw, overrides or []))
    except CLIError as err:
        raise CLIError(f"{label(filename)}: {err}", err.exit_code) from None


# ---------------------------------------------------------------------- writing
def _without_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value]
    return value


def write_resolved(config: dict, folder: str | os.PathLike) -> str:
    """Write ``config.resolved.toml`` (JSON, ``config.resolved.json``, when tomli-w is
    missing) into ``folder``; returns the file name."""
    data = _without_none(config)
    if config["train"]["scheduler"] is None:  # explicit, or the default would fill it in
        data["train"]["scheduler"] = "none"
    try:
        import tomli_w
    except ImportError:
        target = Path(folder) / RESOLVED_JSON
        target.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        return target.name
    target = Path(folder) / RESOLVED_TOML
    target.write_text(tomli_w.dumps(data), encoding="utf-8")
    return target.name


def resolved_file(folder: str | os.PathLike) -> Path:
    """The resolved config file of a run folder."""
    folder = Path(folder)
    for name in (RESOLVED_TOML, RESOLVED_JSON):
        if (folder / name).is_file():
            return folder / name
    raise CLIError(f"{folder} is not a run folder: it has no {RESOLVED_TOML} (runs are made "
                   "by 'ember train')")


def read_resolved(folder: str | os.PathLike) -> dict:
    """The resolved config of a run folder, checked again."""
    file = resolved_file(folder)
    try:
        return resolve(read_file(file), defaults={})  # complete as is
    except CLIError as err:
        raise CLIError(f"{file}: {err}", err.exit_code) from None
