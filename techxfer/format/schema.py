"""Validation at the boundary: one cached JSON Schema validator per file kind.

The schemas are the published ones of ``manifest_schema/`` (carried in the wheel as
``techxfer/schemas``). Every violation comes back as one line with its key path, e.g.
``documents[3].sha256: expected 64 lowercase hex characters``. jsonschema-rs decides
that data is valid (``_quick``); jsonschema, the reference, decides and explains anything
it refuses. Both are imported lazily: a hook that meets no new file pays for neither.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from techxfer.errors import SchemaError
from techxfer.format import yamlio

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

KINDS = ("repo", "parties", "policy", "retention", "hold", "manifest", "transfer", "ack",
         "disposition", "distribution", "receipt", "release-production", "release-market",
         "duty", "training", "approval", "implementation")


def schema_path(kind: str) -> Traversable:
    if kind not in KINDS:
        raise ValueError(f"unknown file kind {kind!r}")
    # The package's own file when the package is a folder (an installed wheel), read
    # without importlib.resources (20 ms at import, on a hook's path); through it when the
    # package is not a folder (a zip).
    installed = Path(__file__).resolve().parents[1] / "schemas" / f"{kind}.schema.json"
    if installed.is_file():
        return installed
    from importlib import resources

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


Check = Callable[[Any], bool]


def _conforms(check: Callable[[object], bool]) -> Check:
    def conforms(value: object) -> bool:
        try:
            return check(value)
        except ValueError:
            return False
    return conforms


# techxfer's own rules for the formats, given to jsonschema-rs (jsonschema checks date-time
# with the same function, date with the same rule).
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


# Python's ``re`` reads ``\\s`` as ``str.isspace``; jsonschema-rs as ECMA-262 does (which
# leaves out U+001C to U+001F and U+0085, and adds U+FEFF). Written out, the class means
# the same in both engines.
_PY_SPACE = "".join(f"\\u{c:04x}" for c in range(0x3001) if chr(c).isspace())


def _for_rust_regex(node: Any) -> Any:
    """The schema with ``\\S`` spelt as Python reads it. Every other pattern of the
    schemas means the same in both engines, or is stricter in Rust (``$`` before a final
    newline), which only sends a value to jsonschema."""
    if isinstance(node, dict):
        return {k: (v.replace("\\S", f"[^{_PY_SPACE}]") if k == "pattern" and isinstance(v, str)
                    else _for_rust_regex(v)) for k, v in node.items()}
    if isinstance(node, list):
        return [_for_rust_regex(v) for v in node]
    return node


@cache
def _quick(kind: str) -> Check | None:
    """jsonschema-rs's answer, with techxfer's own date and date-time rules: a True is
    jsonschema's answer (tests hold the two together), a False or a value Rust cannot take
    (a key that is not a string, an integer beyond 64 bits) sends the data to jsonschema,
    which decides and explains. About 1 µs a manifest entry against jsonschema's 0.2 ms
    and the hand-compiled check's 20 µs this replaced (README, dependencies)."""
    import jsonschema_rs

    validator = jsonschema_rs.Draft202012Validator(
        _for_rust_regex(load_schema(kind)), validate_formats=True, formats=dict(_FORMATS))

    def check(value: Any) -> bool:
        try:
            return bool(validator.is_valid(value))
        except (ValueError, TypeError, OverflowError):
            return False
    return check


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
