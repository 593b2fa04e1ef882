"""Typed, frozen config sections: field types plus a few declared constraints, checked once.

Why one engine: the run config, the model section and the comparison config used to be checked
by three hand-written validators in three styles, and the whole nested dict was passed
everywhere. Here a section is a frozen dataclass; its annotations say what type each key holds
and :func:`setting` declares the rest (range, choices, a spelling pattern). :meth:`Section.merged`
lays a mapping (a YAML section, ``--set`` overrides) over a section and checks only what it was
given, so a complete config is validated once, when it is loaded, and a derived one (another
seed, a variant's overrides) costs only the keys that change.

A section also reads like the read-only mapping it replaces (``config["ga"]["population"]``), so
plug-ins and scripts written against the dict keep working; :meth:`Section.to_dict` is the plain,
ordered dict that caches, fingerprints and ``config.yaml`` files are made of, byte-identical to
the dict the config used to be.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
import types
import typing
from collections.abc import Mapping
from typing import Any, ClassVar

from latentga.errors import ConfigError

__all__ = ["Section", "FrozenMap", "section", "setting", "freeze", "thaw"]

#: The decorator of every section class: frozen; equality and hashing come from :class:`Section`.
section = dataclasses.dataclass(frozen=True, eq=False)


def setting(default: Any, *, low: float | None = None, high: float | None = None, low_open: bool = False,
            high_open: bool = False, choices: tuple | None = None, pattern: str | None = None,
            need: str | None = None, hint: str | None = None, item_low: int | None = None) -> Any:
    """A dataclass field with its default and declared constraints: inclusive (or open) bounds
    ``low``/``high`` (for a list: ``low`` 1 = not empty, ``item_low`` the least item, default 1),
    allowed ``choices``, a ``pattern`` a string must match in full, ``need``, the phrase an error
    uses for what the value must be (when the type and bounds do not say it), and ``hint``, a
    reminder some messages add (why the bound is there, an example)."""
    meta = {k: v for k, v in dict(low=low, high=high, choices=choices, pattern=pattern, need=need, hint=hint,
                                  item_low=item_low).items() if v is not None}
    meta.update(low_open=low_open, high_open=high_open)
    frozen = freeze(default)
    return dataclasses.field(default_factory=lambda: frozen, metadata=meta)


class FrozenMap(dict):
    """A read-only dict (free-form ``params``): assignment raises; it pickles and copies (for
    worker processes) and reads as a plain dict (JSON, ``isinstance(x, dict)``)."""

    def _frozen(self, *args, **kwargs):
        raise TypeError("config sections are frozen: derive a new config (apply_overrides, .replace) instead")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = __ior__ = _frozen

    def __reduce__(self):
        return FrozenMap, (dict(self),)

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    def __hash__(self) -> int:
        return hash(json.dumps(self, sort_keys=True, default=str))


def freeze(value: Any) -> Any:
    """Lists as tuples and mappings as read-only :class:`FrozenMap`, all the way down."""
    if isinstance(value, Mapping) and not isinstance(value, Section):
        return FrozenMap({k: freeze(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(freeze(v) for v in value)
    return value


def thaw(value: Any) -> Any:
    """The plain (JSON/YAML) form of a frozen value: sections and mappings as dicts, tuples as lists."""
    if isinstance(value, Section):
        return value.to_dict()
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [thaw(v) for v in value]
    return value


_NAMES = {int: "an integer", float: "a number", str: "a string", bool: "true or false", dict: "a mapping",
          list: "a list"}


@dataclasses.dataclass(frozen=True)
class _Field:
    """What the engine needs about one field, read once per class from its annotation."""

    name: str
    kind: Any            # int | float | str | bool | "list" | "mapping" | a Section subclass | "any"
    nullable: bool
    item: Any            # the item type of a list field
    default: Any
    meta: Mapping


def _describe(annotation: Any) -> tuple[Any, bool, Any]:
    """``(kind, nullable, item)`` of an annotation such as ``int | None`` or ``tuple[int, ...]``."""
    args = typing.get_args(annotation)
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        rest = [a for a in args if a is not type(None)]
        kind, _, item = _describe(rest[0])
        return kind, True, item
    if origin is tuple:
        return "list", False, args[0]
    if origin is not None and issubclass(origin, Mapping):
        return "mapping", False, None
    if annotation is Any:
        return "any", False, None
    return annotation, False, None


class Section(Mapping):
    """Base of every typed config section (subclasses are frozen dataclasses).

    Subclasses may define ``_check(self, prefix)`` for constraints between fields, run after every
    merge, and override the message methods (``_bad``, ``_out_of_range``, ``_unknown``,
    ``_not_mapping``) where their keys are named another way (the model and comparison sections).
    """

    _field_cache: ClassVar[dict] = {}

    # ---- the mapping view -------------------------------------------------------------------
    def __getitem__(self, key: str) -> Any:
        if isinstance(key, str) and key in self._fields():
            value = getattr(self, key)
            return value if isinstance(value, Section) else thaw(value)  # a copy: the section stays frozen
        raise KeyError(key)

    def __iter__(self):
        return iter(self._fields())

    def __len__(self) -> int:
        return len(self._fields())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Section):
            return type(self) is type(other) and self.to_dict() == other.to_dict()
        if isinstance(other, Mapping):
            return self.to_dict() == thaw(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(json.dumps(self.to_dict(), sort_keys=True, default=str))

    def __copy__(self):
        return self  # frozen: a copy is the same value

    def __deepcopy__(self, memo):
        return self

    def __setitem__(self, key, value):
        raise TypeError(f"config sections are frozen: derive a new one, e.g. section.replace({key}=...), "
                        "instead of assigning config[...]")

    # ---- plain form ---------------------------------------------------------------------------
    def to_dict(self) -> dict:
        """A plain nested dict (lists, not tuples) in field order: what hashes and files hold."""
        return {name: thaw(getattr(self, name)) for name in self._fields()}

    def replace(self, **changes: Any) -> Section:
        """A copy with ``changes`` (plain values), checked like a config file's keys."""
        return self.merged(changes)

    # ---- building -----------------------------------------------------------------------------
    @classmethod
    def _fields(cls) -> dict[str, _Field]:
        found = Section._field_cache.get(cls)
        if found is None:
            hints = typing.get_type_hints(cls)
            found = {}
            for f in dataclasses.fields(cls):
                kind, nullable, item = _describe(hints[f.name])
                default = f.default if f.default is not dataclasses.MISSING else f.default_factory()
                found[f.name] = _Field(f.name, kind, nullable, item, default, f.metadata)
            Section._field_cache[cls] = found
        return found

    @classmethod
    def parse(cls, data: Mapping | None, prefix: str = "") -> Section:
        """The section ``data`` describes over the defaults, validated; ``prefix`` (e.g. ``"ga."``)
        is how messages name its keys."""
        return cls().merged(data or {}, prefix)

    def merged(self, data: Mapping, prefix: str = "") -> Section:
        """``data`` laid over this section (unknown keys are errors; nested sections merge key by
        key), each given value checked; constraints between fields are checked on the result."""
        if not isinstance(data, Mapping):
            raise self._not_mapping(prefix, data)
        fields = self._fields()
        changes = {}
        for key, value in data.items():
            if not isinstance(key, str) or key not in fields:
                raise self._unknown(prefix, key)
            changes[key] = self._merge_field(fields[key], getattr(self, key), value, prefix)
        out = dataclasses.replace(self, **changes) if changes else self
        out._check(prefix)
        return out

    def _merge_field(self, field: _Field, current: Any, value: Any, prefix: str) -> Any:
        key = prefix + field.name
        if isinstance(field.kind, type) and issubclass(field.kind, Section):
            if isinstance(value, field.kind):  # already a typed, checked section
                return value
            if value is None and field.nullable:
                return None
            base = current if current is not None else field.kind()
            return base.merged(value, key + ".")
        return self._check_value(field, key, value)

    def _check(self, prefix: str) -> None:
        """Constraints between fields (subclasses override)."""

    # ---- one value ----------------------------------------------------------------------------
    def _check_value(self, field: _Field, key: str, value: Any) -> Any:
        meta, kind = field.meta, field.kind
        if value is None:
            if field.nullable:
                return None
            raise self._bad(field, key, value, None)
        if kind == "mapping":
            if not isinstance(value, Mapping):
                raise self._bad(field, key, value, "a mapping")
            return freeze(value)
        if kind == "any":
            return freeze(value)
        if kind == "list":
            if not isinstance(value, (list, tuple)) or (not value and meta.get("low", 0) >= 1) or any(
                    isinstance(v, bool) or not isinstance(v, field.item) or (field.item is int and v < meta.get("item_low", 1))
                    for v in value):
                raise self._bad(field, key, value, None)
            return tuple(field.item(v) for v in value)
        allowed = (int, float) if kind is float else (kind,)
        if isinstance(value, bool) and kind is not bool or not isinstance(value, allowed):
            raise self._bad(field, key, value, _NAMES.get(kind, getattr(kind, "__name__", str(kind))))
        if "choices" in meta and value not in meta["choices"]:
            raise self._bad(field, key, value, None)
        if "pattern" in meta and not re.fullmatch(meta["pattern"], value):
            raise self._bad(field, key, value, None)
        if ("low" in meta or "high" in meta) and not self._in_range(value, meta):
            raise self._out_of_range(field, key, value)
        return float(value) if kind is float else value

    @staticmethod
    def _in_range(value: float, meta: Mapping) -> bool:
        if isinstance(value, float) and not math.isfinite(value):
            return False
        lo, hi = meta.get("low", -math.inf), meta.get("high", math.inf)
        return (value > lo if meta["low_open"] else value >= lo) and (value < hi if meta["high_open"] else value <= hi)

    # ---- messages (one line each, naming the key and the fix; the run config's wording) ---------
    def _bad(self, field: _Field, key: str, value: Any, type_need: str | None) -> ConfigError:
        meta, default = field.meta, thaw(field.default)
        if value is None:
            return ConfigError(f"config key {key!r} must not be null; default: {default!r}")
        if type_need is None and "choices" in meta:
            return ConfigError(f"config key {key!r} must be one of {' | '.join(meta['choices'])}, got {value!r}")
        need = meta.get("need") or type_need or _NAMES.get(field.kind, "a valid value")
        return ConfigError(f"config key {key!r} must be {need}, got {value!r}; default: {default!r}")

    def _out_of_range(self, field: _Field, key: str, value: Any) -> ConfigError:
        lo, hi = field.meta.get("low", -math.inf), field.meta.get("high", math.inf)
        span = f">= {lo}" if hi == math.inf else f"between {lo} and {hi}"
        return ConfigError(f"config key {key!r} = {value!r} is out of range: it must be {span}, "
                           f"e.g. --set {key}={thaw(field.default)!r} (the default)")

    def _unknown(self, prefix: str, key: Any) -> ConfigError:
        known = ", ".join(self._fields())
        where = f"section `{prefix[:-1]}`" if prefix else "the top level"
        return ConfigError(f"unknown config key '{prefix}{key}'; valid keys at {where}: {known} "
                           "(check the spelling, see configs/*.yaml)")

    def _not_mapping(self, prefix: str, value: Any) -> ConfigError:
        if not prefix:
            return ConfigError(f"a config must be a mapping of sections, got {type(value).__name__}")
        return ConfigError(f"config key {prefix[:-1]!r} must be a mapping (a YAML section), got {value!r}")
