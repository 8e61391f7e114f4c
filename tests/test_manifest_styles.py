"""The manifest fast path answers as PyYAML and jsonschema do, whatever the YAML style.

Hypothesis writes manifests in many styles (indented or flush lists, flow mappings,
quoting, comments, key order, the format key before, after or absent) and edits them one
entry at a time, as a history does; some are made hostile (duplicate keys, anchors and
aliases, several documents, tags, tabs, CRLF, a BOM, very long lines, block scalars, a
``documents:`` line inside a quoted scalar). Each version goes through the fast path with
one entry cache for the whole run, and through the full loader and jsonschema alone: the
same value or the same error (the same schema findings), and the same manifest model.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from techxfer.errors import ConfigError, SchemaError
from techxfer.format import schema
from techxfer.format.manifest_parse import EntryCache, KeyedDocuments, parse_manifest
from techxfer.model.manifest import Manifest
from techxfer.state import _manifest_models

KEYS = ("id", "path", "title", "revision", "category", "owner", "status", "sha256",
        "retention", "effective")
VALUES: dict[str, list[str]] = {
    "id": ["DOC-1", "DHF-DRW-0012", "x", "yes", "1.5"],
    "path": ["a.pdf", "drawings/housing.pdf", "../up.pdf", "图纸/一.pdf", "a b, c.pdf"],
    "title": ["Housing drawing", "图纸 第二版", "a: b # c", "Tab\there", "null", "O'Brien \"Q\"",
              "x" * 3000, "- not an item", "documents:", "#hash", ""],
    "revision": ["A", "C", "1.2", "yes", "10", "-"],
    "category": ["design-output", "Design", "batch-record"],
    "owner": ["registrant", "manufacturer"],
    "status": ["effective", "draft", "obsolete", "lost"],
    "sha256": [hashlib.sha256(b"a").hexdigest(), "1" * 64, "ab" * 31, "E" * 64],
    "retention": ["permanent", "design-history", "Batch"],
    "effective": ["2024-01-08", "2024-02-30", "soon"],
}
HOSTILE = ("none", "none", "none", "duplicate", "anchor", "documents2", "tag", "tab", "crlf",
           "bom", "block_scalar", "multiline_quote", "no_final_newline", "tail_key", "nested")


def scalar(value: str, quote: str) -> str:
    if quote == "single" or (quote == "plain" and not value.replace(" ", "").isalnum()):
        return "'" + value.replace("'", "''") + "'"
    if quote == "double":
        return json.dumps(value, ensure_ascii=False)
    return value


@st.composite
def entries(draw: Any) -> dict[str, str]:
    keys = draw(st.lists(st.sampled_from(KEYS), min_size=8, max_size=10, unique=True))
    if draw(st.booleans()):
        keys = [k for k in KEYS if k in keys]  # the usual order
    return {k: draw(st.sampled_from(VALUES[k][:2] if draw(st.integers(0, 3)) else VALUES[k]))
            for k in keys}


@st.composite
def styles(draw: Any) -> dict[str, Any]:
    return {
        "indent": draw(st.sampled_from([0, 2, 4])),
        "flow": draw(st.sampled_from(["never", "always", "some"])),
        "quote": draw(st.sampled_from(["plain", "single", "double", "mixed"])),
        "comments": draw(st.booleans()),
        "format": draw(st.sampled_from(["first", "last", "none", "comment"])),
        "blank": draw(st.booleans()),
    }


def write(docs: list[dict[str, str]], style: dict[str, Any], hostile: str, seed: int) -> bytes:
    ind = " " * style["indent"]
    out: list[str] = []
    if style["comments"]:
        out += ["# register", "", "  # indented comment"]
    if style["format"] == "first":
        out.append("format: 1")
    elif style["format"] == "comment":
        out.append("format: 1  # version")
    out.append("documents:  # the list" if style["comments"] else "documents:")
    quotes = ["plain", "single", "double"]
    for n, doc in enumerate(docs):
        quote = quotes[(n + seed) % 3] if style["quote"] == "mixed" else style["quote"]
        pairs = [(k, scalar(v, quote)) for k, v in doc.items()]
        if style["comments"] and n % 2:
            out.append(f"{ind}# entry {n}")
        flow = style["flow"] == "always" or (style["flow"] == "some" and (n + seed) % 2)
        if flow:
            out.append(f"{ind}- {{{', '.join(f'{k}: {v}' for k, v in pairs)}}}")
        else:
            for i, (k, v) in enumerate(pairs):
                tail = "  # note" if style["comments"] and i == 1 and quote != "plain" else ""
                out.append(f"{ind}{'- ' if i == 0 else '  '}{k}: {v}{tail}")
        if style["blank"]:
            out.append("")
    if style["format"] == "last":
        out.append("format: 1")
    text = "\n".join(out) + "\n"
    first = f"{ind}  id:" if docs else "documents:"
    if hostile == "duplicate":
        text = text.replace("\n" + ind + "  path:", "\n" + ind + "  path: x.pdf\n" + ind + "  path:", 1)
    elif hostile == "anchor":
        text = text.replace("title: ", "title: &t ", 1) + f"{ind}- {{id: Z, title: *t}}\n"
    elif hostile == "documents2":
        text += "---\ndocuments: []\n"
    elif hostile == "tag":
        text = text.replace("revision: ", "revision: !!str ", 1)
    elif hostile == "tab":
        text = text.replace(first, first.replace("  id", "\tid"), 1)
    elif hostile == "crlf":
        text = text.replace("\n", "\r\n")
    elif hostile == "bom":
        text = "\ufeff" + text
    elif hostile == "block_scalar":
        text = text.replace("title: ", f"title: |\n{ind}    - id: FAKE\n{ind}    text\n{ind}  x-t: ", 1)
    elif hostile == "multiline_quote":
        text = text.replace("title: ", f"title: \"one\n{ind}- id: FAKE\n{ind}  two\"\n{ind}  x-t: ", 1)
    elif hostile == "no_final_newline":
        text = text.rstrip("\n")
    elif hostile == "tail_key":
        text += "extra: 1\n"
    elif hostile == "nested":
        text = text.replace("title: ", f"x-list:\n{ind}  - a\n{ind}  - {{b: c}}\n{ind}  title: ", 1)
    return text.encode("utf-8")


def full(data: bytes) -> tuple[str, Any]:
    try:
        return "ok", schema.load_and_validate("manifest", data, "d/MANIFEST.yaml")
    except SchemaError as exc:
        return "schema", sorted(exc.problems)
    except ConfigError as exc:
        return "config", str(exc)


def fast(data: bytes, cache: EntryCache) -> tuple[str, Any]:
    try:
        return "ok", parse_manifest(data, "d/MANIFEST.yaml", cache)
    except SchemaError as exc:
        return "schema", sorted(exc.problems)
    except ConfigError as exc:
        return "config", str(exc)


EDITS = ("revise", "insert", "delete", "restyle", "swap", "same")


@settings(max_examples=250, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(docs=st.lists(entries(), min_size=1, max_size=6), style=styles(),
       edits=st.lists(st.tuples(st.sampled_from(EDITS), st.integers(0, 10), entries(),
                                st.sampled_from(HOSTILE)), min_size=1, max_size=6))
def test_every_style_and_edit_is_read_as_the_full_loader_and_jsonschema_read_it(
        docs: list[dict[str, str]], style: dict[str, Any],
        edits: list[tuple[str, int, dict[str, str], str]]) -> None:
    cache = EntryCache()
    taken = 0
    versions = [(list(docs), "none", 0)]
    for n, (edit, where, new, hostile) in enumerate(edits):
        docs = list(docs)
        at = where % len(docs) if docs else 0
        if edit == "revise" and docs:
            docs[at] = {**docs[at], "revision": new.get("revision", "B")}
        elif edit == "insert":
            docs.insert(at, new)
        elif edit == "delete" and len(docs) > 1:
            docs.pop(at)
        elif edit == "restyle" and docs:
            docs[at] = {k: docs[at][k] for k in reversed(docs[at])}
        elif edit == "swap" and len(docs) > 1:
            docs[0], docs[-1] = docs[-1], docs[0]
        versions.append((docs, hostile, n + 1))
    for version, hostile, seed in versions:
        data = write(version, style, hostile, seed)
        expected, got = full(data), fast(data, cache)
        assert got[0] == expected[0], (data, got, expected)
        assert got[1] == expected[1], data
        if got[0] != "ok":
            continue
        model = _manifest_models.build("d/MANIFEST.yaml", got[1])
        assert model == Manifest.create("d/MANIFEST.yaml", expected[1])
        if hostile == "none":
            assert isinstance(got[1]["documents"], KeyedDocuments), data
            taken += 1
    assert taken or any(h != "none" for _, h, _ in versions) or full(write(
        versions[0][0], style, "none", 0))[0] != "ok"


def test_the_generator_covers_both_answers() -> None:
    """The styles test above means something only if its manifests are read fast and
    also refused: one clean manifest of each layout is read fast, a broken one refused
    with the same findings."""
    doc = {k: VALUES[k][0] for k in KEYS}
    for flow in ("never", "always"):
        for indent in (0, 2, 4):
            style = {"indent": indent, "flow": flow, "quote": "mixed", "comments": True,
                     "format": "last", "blank": True}
            data = write([doc, {**doc, "id": "DOC-2"}], style, "none", 1)
            kind, value = fast(data, EntryCache())
            assert kind == "ok" and isinstance(value["documents"], KeyedDocuments)
            assert value == full(data)[1]
            for hostile in ("crlf", "bom"):  # read as LF text without a BOM: still fast
                odd = write([doc, {**doc, "id": "DOC-2"}], style, hostile, 1)
                kind, value = fast(odd, EntryCache())
                assert kind == "ok" and isinstance(value["documents"], KeyedDocuments)
                assert value == full(odd)[1]
            broken = write([doc, {**doc, "status": "lost"}], style, "none", 1)
            assert fast(broken, EntryCache()) == full(broken)
            assert full(broken)[0] == "schema"


EDGE_TITLES = ["\x1c", " \x1f ", "\x1c\x1dx", "T\n", "\u3000", "\x85", "\ufeff", "\u2028", "\u200b", "a", "", 10**30, 1.0, None]


def test_the_fast_schema_check_never_passes_what_jsonschema_refuses() -> None:
    """jsonschema-rs decides a True alone: at the edges where its regex engine, number
    range or key types differ from Python's, it must refuse (then jsonschema decides)."""
    doc = {k: VALUES[k][0] for k in KEYS}
    quick = schema._quick("manifest")
    assert quick is not None
    assert quick({"documents": [doc]})
    refused = 0
    for title in EDGE_TITLES:
        value = {"documents": [{**doc, "title": title}]}
        says = not list(schema._validator("manifest").iter_errors(value))
        if quick(value):
            assert says, repr(title)
        refused += not says
    assert refused >= 4  # the separators, the empty title, the number, None
    assert not quick({"documents": [{**doc, 1: "x"}]})
    assert not quick({"documents": [{**doc, "x-big": 10**30}]}) or not list(
        schema._validator("manifest").iter_errors({"documents": [{**doc, "x-big": 10**30}]}))
