"""Reading and writing the YAML files of the format, safely.

Every file goes through ``load``: the C safe loader when available, no anchors or
aliases (an alias bomb expands exponentially once a validator walks it), no duplicate
keys, no implicit timestamps (dates stay strings and are checked by the schema), a size
cap, and UTF-8 only. Errors name the file and the line.

PyYAML is imported at the first file read or written, not with this module: a hook whose
files are all in the cache, or whose manifest changes are plain entries, never needs it.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from techxfer.errors import ConfigError

if TYPE_CHECKING:
    import yaml

MAX_BYTES = 32 * 1024 * 1024


@cache
def _loader() -> Any:
    import yaml

    base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class Loader(base):  # type: ignore[misc]
        pass

    # Dates are validated by the schemas as strings: YAML's own timestamp resolution would
    # turn "2026-02-30" into an error without a key path and "2026-01-01" into a date object.
    Loader.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in base.yaml_implicit_resolvers.items()
    }
    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
    return Loader


def _construct_mapping(loader: Any, node: yaml.MappingNode) -> dict[Any, Any]:
    import yaml

    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            duplicate = key in seen
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "a mapping key must be a plain value", key_node.start_mark
            ) from None
        if duplicate:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return dict(loader.construct_pairs(node, deep=True))


def _refuse_anchors(data: bytes, source: str) -> None:
    # Only scan events when the text could hold an anchor or alias at all.
    if b"&" not in data and b"*" not in data:
        return
    import yaml

    try:
        for event in yaml.parse(data, Loader=_loader()):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                line = event.start_mark.line + 1 if event.start_mark else "?"
                raise ConfigError(f"{source}:{line}: YAML anchors and aliases are not allowed")
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: malformed YAML: {_describe(exc)}") from None


def _describe(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    if mark is not None:
        return f"line {mark.line + 1} column {mark.column + 1}: {problem}"
    return str(problem)


def load(data: bytes, source: str) -> Any:
    """Parse one YAML document from bytes; ``source`` names the file in every error."""
    if len(data) > MAX_BYTES:
        raise ConfigError(f"{source}: file is {len(data)} bytes, more than {MAX_BYTES} allowed")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{source}: not UTF-8 text (byte {exc.start})") from None
    _refuse_anchors(data, source)
    import yaml

    try:
        return yaml.load(data, Loader=_loader())  # noqa: S506 - a safe loader subclass
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: malformed YAML: {_describe(exc)}") from None
    except RecursionError:
        raise ConfigError(f"{source}: YAML nested too deeply") from None


def dump(value: Any) -> bytes:
    """Serialise for writing: key order kept, Unicode as is, block style."""
    import yaml

    text: str = yaml.dump(
        value,
        Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper),
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=100,
    )
    return text.encode("utf-8")
