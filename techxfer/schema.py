"""Validation at the boundary: one cached JSON Schema validator per file kind.

The schemas are the published ones of ``manifest_schema/`` (carried in the wheel as
``techxfer/schemas``). Every violation comes back as one line with its key path, e.g.
``documents[3].sha256: expected 64 lowercase hex characters``. jsonschema is imported
lazily: it costs about 0.1 s, and a hook that meets no new file never pays it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from techxfer import yamlio
from techxfer.errors import SchemaError

KINDS = ("repo", "parties", "policy", "retention", "hold", "manifest", "transfer", "ack",
         "disposition", "distribution")


def schema_path(kind: str) -> Traversable:
    if kind not in KINDS:
        raise ValueError(f"unknown file kind {kind!r}")
    packaged = resources.files("techxfer") / "schemas" / f"{kind}.schema.json"
    if packaged.is_file():
        return packaged
    return Path(__file__).resolve().parents[1] / "manifest_schema" / f"{kind}.schema.json"


@cache
def load_schema(kind: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(schema_path(kind).read_text(encoding="utf-8"))
    return data


@cache
def _validator(kind: str) -> Any:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(load_schema(kind), format_checker=_format_checker())


@cache
def _format_checker() -> Any:
    """jsonschema's checkers, plus date-time checked with the standard library (jsonschema
    would need an extra package for it): a timestamp must be a real instant with a zone."""
    from datetime import datetime

    from jsonschema import FormatChecker

    checker = FormatChecker()

    @checker.checks("date-time", raises=ValueError)
    def _date_time(value: object) -> bool:
        if not isinstance(value, str):
            return True
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return parsed.tzinfo is not None

    return checker


def key_path(parts: Any) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top)"


def _explain(error: Any) -> str:
    """A plain sentence for one violation, using the schema's own descriptions."""
    kind = error.validator
    sub = error.schema if isinstance(error.schema, dict) else {}
    if kind == "additionalProperties" and isinstance(error.instance, dict):
        allowed = set(error.schema.get("properties", {}))
        unknown = sorted(k for k in error.instance if k not in allowed and not str(k).startswith("x-"))
        return f"unknown key {', '.join(repr(k) for k in unknown)}"
    if kind == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        return f"missing key '{missing}'"
    if kind in ("pattern", "format", "minLength", "maxLength") and sub.get("description"):
        return f"{error.instance!r}: expected {sub['description'][0].lower()}{sub['description'][1:]}"
    if kind in ("anyOf", "oneOf") and sub.get("description"):
        return f"expected {sub['description'][0].lower()}{sub['description'][1:]}"
    if kind == "enum":
        return f"{error.instance!r} is not one of {', '.join(map(str, error.validator_value))}"
    if kind == "const":
        return f"{error.instance!r}: must be {error.validator_value!r}"
    if kind == "propertyNames":
        return f"{error.instance!r}: not an allowed name"
    return str(error.message)


def _leaf_errors(error: Any) -> list[Any]:
    """For anyOf/oneOf, the most specific branch errors; else the error itself."""
    if error.validator in ("anyOf", "oneOf") and error.context:
        deepest = max(len(e.absolute_path) for e in error.context)
        if deepest > len(error.absolute_path):
            return [e for e in error.context if len(e.absolute_path) == deepest]
    return [error]


Check = Callable[[Any], bool]
_ANNOTATIONS = {"description", "title", "$comment", "examples", "default", "$schema", "$id", "$defs"}
_TYPES: dict[str, Check] = {
    "string": lambda v: isinstance(v, str),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
}


def _compile(node: Any, root: dict[str, Any], depth: int = 0) -> Check | None:
    """A predicate that is True only for instances the schema NODE accepts, for the subset
    of JSON Schema techxfer's schemas use; None when NODE uses anything else. Built from
    the same regexes (``re.search``, as jsonschema does) and the same format checker, so
    a True is jsonschema's answer; a False only sends the instance to jsonschema, which
    then explains. jsonschema costs about 1 ms a manifest entry, this about 20 µs."""
    import re

    if depth > 16 or not isinstance(node, dict):
        return None
    if set(node) - _ANNOTATIONS - {"type", "pattern", "enum", "const", "required", "properties",
                                   "additionalProperties", "patternProperties", "items",
                                   "minLength", "maxLength", "minItems", "format", "$ref"}:
        return None
    checks: list[Check] = []
    if "$ref" in node:
        ref = node["$ref"]
        if not (isinstance(ref, str) and ref.startswith("#/$defs/")):
            return None
        target = _compile(root.get("$defs", {}).get(ref.removeprefix("#/$defs/")), root, depth + 1)
        if target is None:
            return None
        checks.append(target)
    if "type" in node:
        if node["type"] not in _TYPES:
            return None
        checks.append(_TYPES[node["type"]])
    if "const" in node:
        const = node["const"]
        checks.append(lambda v: type(v) is type(const) and v == const)
    if "enum" in node:
        allowed = frozenset(x for x in node["enum"] if isinstance(x, str))
        checks.append(lambda v: isinstance(v, str) and v in allowed)
    if "pattern" in node:
        search = re.compile(node["pattern"]).search
        checks.append(lambda v: not isinstance(v, str) or search(v) is not None)
    if "minLength" in node or "maxLength" in node:
        low, high = node.get("minLength", 0), node.get("maxLength", 1 << 62)
        checks.append(lambda v: not isinstance(v, str) or low <= len(v) <= high)
    if "format" in node:
        fmt, conforms = node["format"], _format_checker().conforms
        checks.append(lambda v: conforms(v, fmt))
    if "minItems" in node:
        least = node["minItems"]
        checks.append(lambda v: not isinstance(v, list) or len(v) >= least)
    if "items" in node:
        item = _compile(node["items"], root, depth + 1)
        if item is None:
            return None
        checks.append(lambda v: not isinstance(v, list) or all(item(x) for x in v))
    if "required" in node:
        needed = tuple(node["required"])
        checks.append(lambda v: not isinstance(v, dict) or all(k in v for k in needed))
    if {"properties", "patternProperties", "additionalProperties"} & set(node):
        props: dict[str, Check] = {}
        for name, sub in node.get("properties", {}).items():
            compiled = _compile(sub, root, depth + 1)
            if compiled is None:
                return None
            props[name] = compiled
        patterns = []
        for pattern, sub in node.get("patternProperties", {}).items():
            compiled = _compile(sub, root, depth + 1)
            if compiled is None:
                return None
            patterns.append((re.compile(pattern).search, compiled))
        extra = node.get("additionalProperties", True)
        if extra not in (True, False):
            return None

        def members(v: Any) -> bool:
            if not isinstance(v, dict):
                return True
            for key, value in v.items():
                if not isinstance(key, str):
                    return False
                check = props.get(key)
                matched = [c for s, c in patterns if s(key)]
                if check is None and not matched and not extra:
                    return False
                if check is not None and not check(value):
                    return False
                if not all(c(value) for c in matched):
                    return False
            return True

        checks.append(members)
    return lambda v: all(check(v) for check in checks)


@cache
def _quick(kind: str) -> Check | None:
    schema = load_schema(kind)
    return _compile(schema, schema)


def validate(kind: str, data: object, source: str) -> None:
    """Raise SchemaError(source, problems) listing every violation with its key path."""
    quick = _quick(kind)
    if quick is not None and quick(data):
        return
    errors = list(_validator(kind).iter_errors(data))
    if not errors:
        return
    problems = sorted({
        f"{key_path(leaf.absolute_path)}: {_explain(leaf)}"
        for error in errors for leaf in _leaf_errors(error)
    })
    raise SchemaError(source, problems)


def load_and_validate(kind: str, data: bytes, source: str) -> Any:
    value = yamlio.load(data, source)
    validate(kind, value, source)
    return value
