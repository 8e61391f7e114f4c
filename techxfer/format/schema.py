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

from techxfer.errors import SchemaError
from techxfer.format import yamlio

KINDS = ("repo", "parties", "policy", "retention", "hold", "manifest", "transfer", "ack",
         "disposition", "distribution", "receipt", "duty")


def schema_path(kind: str) -> Traversable:
    if kind not in KINDS:
        raise ValueError(f"unknown file kind {kind!r}")
    packaged = resources.files("techxfer") / "schemas" / f"{kind}.schema.json"
    if packaged.is_file():
        return packaged
    return Path(__file__).resolve().parents[2] / "manifest_schema" / f"{kind}.schema.json"


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
    from jsonschema import FormatChecker

    checker = FormatChecker()
    checker.checks("date-time", raises=ValueError)(_is_date_time)
    return checker


def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    from datetime import datetime

    return datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo is not None


def _is_date(value: object) -> bool:
    """jsonschema's own rule for "date" (four-two-two digits, a real day)."""
    import re
    from datetime import date

    return not isinstance(value, str) or bool(
        re.fullmatch(r"\d{4}-\d{2}-\d{2}", value, re.ASCII) and date.fromisoformat(value))


def _conforms(check: Callable[[object], bool]) -> Check:
    def conforms(value: object) -> bool:
        try:
            return check(value)
        except ValueError:
            return False
    return conforms


# The formats the compiled check knows without importing jsonschema (0.07 s in a hook).
_FORMATS: dict[str, Check] = {"date": _conforms(_is_date), "date-time": _conforms(_is_date_time)}


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
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool)
                         or isinstance(v, float) and v.is_integer()),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
}


_KEYWORDS = {"type", "pattern", "enum", "const", "required", "properties", "additionalProperties",
             "patternProperties", "items", "minLength", "maxLength", "minItems", "maxItems",
             "uniqueItems", "minimum", "maximum", "minProperties", "format", "$ref", "allOf",
             "anyOf", "oneOf", "not", "if", "then", "else", "propertyNames"}


def _compile(node: Any, root: dict[str, Any], depth: int = 0, exact: bool = False) -> Check | None:
    """A predicate that is True only for instances the schema NODE accepts, for the subset
    of JSON Schema techxfer's schemas use; None when NODE uses anything else. Built from
    the same regexes (``re.search``, as jsonschema does) and the same format rules, so a
    True is jsonschema's answer; a False only sends the instance to jsonschema, which then
    explains. jsonschema costs about 1 ms a manifest entry, this about 20 µs.

    Under ``not``, ``oneOf`` and ``if`` a False must be jsonschema's answer too: there
    (``exact``) a keyword whose False could be wrong (a non-string ``const`` or ``enum``,
    ``uniqueItems``) is not compiled."""
    import re

    if depth > 16 or not isinstance(node, dict) or set(node) - _ANNOTATIONS - _KEYWORDS:
        return None

    def sub(schema: Any, exactly: bool = exact) -> Check | None:
        return _compile(schema, root, depth + 1, exactly)

    def subs(schemas: Any, exactly: bool = exact) -> list[Check] | None:
        if not isinstance(schemas, list) or not schemas:
            return None
        compiled = [sub(x, exactly) for x in schemas]
        return None if any(c is None for c in compiled) else [c for c in compiled if c is not None]

    checks: list[Check] = []
    if "$ref" in node:
        ref = node["$ref"]
        if not (isinstance(ref, str) and ref.startswith("#/$defs/")):
            return None
        target = sub(root.get("$defs", {}).get(ref.removeprefix("#/$defs/")))
        if target is None:
            return None
        checks.append(target)
    if "type" in node:
        if node["type"] not in _TYPES:
            return None
        checks.append(_TYPES[node["type"]])
    if "const" in node:
        const = node["const"]
        if exact and not isinstance(const, str):
            return None
        checks.append(lambda v: type(v) is type(const) and v == const)
    if "enum" in node:
        if exact and not all(isinstance(x, str) for x in node["enum"]):
            return None
        allowed = frozenset(x for x in node["enum"] if isinstance(x, str))
        checks.append(lambda v: isinstance(v, str) and v in allowed)
    if "pattern" in node:
        search = re.compile(node["pattern"]).search
        checks.append(lambda v: not isinstance(v, str) or search(v) is not None)
    if "minLength" in node or "maxLength" in node:
        low, high = node.get("minLength", 0), node.get("maxLength", 1 << 62)
        checks.append(lambda v: not isinstance(v, str) or low <= len(v) <= high)
    if "minimum" in node or "maximum" in node:
        least, most = node.get("minimum", float("-inf")), node.get("maximum", float("inf"))
        checks.append(lambda v: isinstance(v, bool) or not isinstance(v, (int, float))
                      or least <= v <= most)
    if "format" in node:
        if node["format"] not in _FORMATS:
            return None
        checks.append(_FORMATS[node["format"]])
    if "minItems" in node or "maxItems" in node:
        fewest, most_items = node.get("minItems", 0), node.get("maxItems", 1 << 62)
        checks.append(lambda v: not isinstance(v, list) or fewest <= len(v) <= most_items)
    if node.get("uniqueItems"):
        if exact:
            return None
        checks.append(lambda v: not isinstance(v, list) or (
            all(isinstance(x, str) for x in v) and len(set(v)) == len(v)))
    if "minProperties" in node:
        least_keys = node["minProperties"]
        checks.append(lambda v: not isinstance(v, dict) or len(v) >= least_keys)
    if "propertyNames" in node:
        name_check = sub(node["propertyNames"])
        if name_check is None:
            return None
        checks.append(lambda v: not isinstance(v, dict) or all(name_check(k) for k in v))
    if "items" in node:
        item = sub(node["items"])
        if item is None:
            return None
        checks.append(lambda v: not isinstance(v, list) or all(item(x) for x in v))
    if "required" in node:
        needed = tuple(node["required"])
        checks.append(lambda v: not isinstance(v, dict) or all(k in v for k in needed))
    for keyword in ("allOf", "anyOf", "oneOf"):
        if keyword in node:
            parts = subs(node[keyword], exact or keyword == "oneOf")
            if parts is None:
                return None
            checks.append({"allOf": lambda v, ps=parts: all(p(v) for p in ps),
                           "anyOf": lambda v, ps=parts: any(p(v) for p in ps),
                           "oneOf": lambda v, ps=parts: sum(1 for p in ps if p(v)) == 1}[keyword])
    if "not" in node:
        negated = sub(node["not"], True)
        if negated is None:
            return None
        checks.append(lambda v: not negated(v))
    if "if" in node:
        condition = sub(node["if"], True)
        then = sub(node["then"]) if "then" in node else _TRUE
        otherwise = sub(node["else"]) if "else" in node else _TRUE
        if condition is None or then is None or otherwise is None:
            return None
        checks.append(lambda v: then(v) if condition(v) else otherwise(v))
    if {"properties", "patternProperties", "additionalProperties"} & set(node):
        props: dict[str, Check] = {}
        for name, schema in node.get("properties", {}).items():
            compiled = sub(schema)
            if compiled is None:
                return None
            props[name] = compiled
        patterns = []
        for pattern, schema in node.get("patternProperties", {}).items():
            compiled = sub(schema)
            if compiled is None:
                return None
            patterns.append((re.compile(pattern).search, compiled))
        extra_schema = node.get("additionalProperties", True)
        extra = _TRUE if extra_schema is True else None if extra_schema is False else sub(extra_schema)
        if extra is None and extra_schema is not False:
            return None

        def members(v: Any) -> bool:
            if not isinstance(v, dict):
                return True
            for key, value in v.items():
                if not isinstance(key, str):
                    return False
                check = props.get(key)
                matched = [c for s, c in patterns if s(key)]
                if check is None and not matched and (extra is None or not extra(value)):
                    return False
                if check is not None and not check(value):
                    return False
                if not all(c(value) for c in matched):
                    return False
            return True

        checks.append(members)
    return lambda v: all(check(v) for check in checks)


def _TRUE(value: Any) -> bool:
    return True


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
