"""Manifest entries parsed without YAML must be exactly what the YAML loader gives, and
everything else must go to the loader."""

from __future__ import annotations

import hashlib
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from techxfer.format import yamlio
from techxfer.format.manifest_parse import _flat_entry, parse_manifest

TAKEN = [
    "PART-00-0000", "doc-0000.pdf", "Document PART-00-0000", "design-output",
    "b33518a5f3829621dedd1c8a343bcd41f3e6052801a277659cb028b9bd877b2b",
    "3e5f", "1e5", "e", "a  b", "图纸 第二版", "Drawing (rev. B)", "x?y", "a-", "yess", "Nope",
    "'2024-01-08'", "' padded '", "'yes'", "'123'", "'a: b # c'", "''", "'图纸'",
    "\"quoted\"", "\"a: b # c\"", "a #c", "'a' # c", "\"x\"  # c", "\"\"",
]
REFUSED = [
    "yes", "No", "ON", "off", "null", "NULL", "true", "123", "0x1f", "1.5", "2024-01-08",
    "0b1", "0b101", "0bc", ".inf", "~", "-x", "a: b", "# c", "'it''s'", "\"a\\\"b\"", "\"a\\nb\"", "[a]", "{a: 1}",
    "a, b", "*alias", "&anchor x", "!tag x", "|", ">", "@x", "`x`", "%x", "a\tb", "a ",
    "a\u2028b", "a\x85b", "\ufeffa", "12345", "0123",
]


def entry(value: str, key: str = "title") -> bytes:
    return f"- id: DOC-1\n  {key}: {value}\n  path: a.pdf\n".encode()


def loaded(chunk: bytes) -> object:
    value = yamlio.load(chunk, "t.yaml")
    assert isinstance(value, list) and len(value) == 1
    return value[0]


@pytest.mark.parametrize("value", TAKEN)
def test_taken_values_are_read_as_yaml_reads_them(value: str) -> None:
    chunk = entry(value)
    flat = _flat_entry(chunk)
    assert flat is not None, value
    assert flat == loaded(chunk)
    assert all(isinstance(v, str) for v in flat.values())


@pytest.mark.parametrize("value", REFUSED)
def test_anything_else_goes_to_the_loader(value: str) -> None:
    assert _flat_entry(entry(value)) is None


@pytest.mark.parametrize("chunk", [
    b"- id: A\n  id: B\n",  # duplicate key: the loader refuses it
    b"- id: A\n  yes: B\n",  # a key YAML reads as a boolean
    b"- id: A\n    path: b\n",  # deeper indentation: a continuation or nesting
    b"- id: A\n  items:\n  - x\n",  # nested list
    b"  - id: A\n  path: b\n",  # continuation not deeper than the item
    b"- {id: A, path: b #c}\n",  # a comment inside a flow mapping swallows the brace
    b"- {id: A, path: b}\n  x: y\n",
    b"- {id: A, {b: c}}\n",
    b"- {id: A, path: 'b, c'}\n",
    b"- {id: A,, path: b}\n",
    b"- id: A # note\n  path: {b: c}\n",
    b"-  id: A\n",
    b"id: A\n",
    b"",
])
def test_shapes_other_than_a_flat_entry_go_to_the_loader(chunk: bytes) -> None:
    assert _flat_entry(chunk) is None


@pytest.mark.parametrize("chunk", [
    b"- id: A\n\n  path: b\n",  # blank line
    b"- id: A\n# note\n  path: b\n",  # comment
    b"  - id: A\n    path: b\n",  # an indented list
    b"      - id: A\n        path: b  # c\n",
    b"- {id: A, path: b}\n",  # a flow mapping
    b"  - { id: A , path: 'b c', title: \"T #1\" }  # c\n\n# next\n",
])
def test_other_layouts_of_a_flat_entry_are_read_as_yaml_reads_them(chunk: bytes) -> None:
    flat = _flat_entry(chunk)
    assert flat is not None
    assert flat == loaded(chunk)


def test_random_values_never_differ_from_yaml() -> None:
    """A thousand values from an alphabet of letters, digits, spaces, quotes and YAML
    indicators: whenever the fast path answers, it answers as the loader does."""
    rng = random.Random(2026)
    alphabet = "aAyYnNoOtTfFeE019 -._:#'\"[]{},&*!|>%@`~?图\t"
    answered = 0
    for _ in range(1000):
        value = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 8)))
        chunk = entry(value)
        flat = _flat_entry(chunk)
        if flat is None:
            continue
        answered += 1
        assert flat == loaded(chunk), value
    assert answered > 100


def test_a_manifest_of_flat_entries_parses_as_with_the_loader_alone() -> None:
    docs = b"".join(
        f"- id: DOC-{i}\n  path: d/{i}.pdf\n  title: Document {i}\n  revision: A\n"
        f"  category: design-output\n  owner: registrant\n  status: effective\n"
        f"  sha256: {'ab' * 32}\n  retention: permanent\n  effective: '2024-01-08'\n".encode()
        for i in range(20))
    data = b"format: 1\ndocuments:\n" + docs
    from techxfer.format.manifest_parse import EntryCache

    assert parse_manifest(data, "M.yaml", EntryCache()) == yamlio.load(data, "M.yaml")


def _manifest_bytes(docs: list[dict[str, str]]) -> bytes:
    out = ["format: 1\ndocuments:\n"]
    for d in docs:
        out.append("".join(f"{'- ' if i == 0 else '  '}{k}: {v}\n" for i, (k, v) in enumerate(d.items())))
    return "".join(out).encode()


def test_models_built_from_the_last_version_equal_a_fresh_build() -> None:
    """The model fast path (state._manifest_models) over a run of versions: an entry
    changed, added, removed, two swapped; each equals Manifest.create, indexes included."""
    from techxfer.format.manifest_parse import EntryCache, KeyedDocuments
    from techxfer.model.manifest import Manifest, ManifestIndex
    from techxfer.state import _manifest_models

    rng = random.Random(7)

    def doc(n: int, rev: str = "A") -> dict[str, str]:
        return {"id": f"D-{n}", "path": f"f{n % 5}/d{n}.pdf", "title": f"Doc {n}", "revision": rev,
                "category": "design-output", "owner": "registrant", "status": "effective",
                "sha256": hashlib.sha256(str(n).encode()).hexdigest(), "retention": "permanent"}

    docs = [doc(n) for n in range(30)]
    cache = EntryCache()
    for step in range(60):
        action = rng.choice(["revise", "add", "remove", "swap", "same"])
        if action == "revise":
            i = rng.randrange(len(docs))
            docs[i] = doc(int(docs[i]["id"][2:]), rev=chr(ord("A") + step % 20))
        elif action == "add":
            docs.insert(rng.randrange(len(docs) + 1), doc(100 + step))
        elif action == "remove" and len(docs) > 2:
            docs.pop(rng.randrange(len(docs)))
        elif action == "swap":
            i, j = rng.randrange(len(docs)), rng.randrange(len(docs))
            docs[i], docs[j] = docs[j], docs[i]
        data = _manifest_bytes(docs)
        raw = parse_manifest(data, "sub/MANIFEST.yaml", cache)
        assert isinstance(raw["documents"], KeyedDocuments)
        fast = _manifest_models.build("sub/MANIFEST.yaml", raw)
        slow = Manifest.create("sub/MANIFEST.yaml", yamlio.load(data, "sub/MANIFEST.yaml"))
        assert fast == slow
        assert fast.index == ManifestIndex.of(slow.entries)


# -- the lines before the register: any number, read in linear time (issue 14) -------------
LEAD_LINES = st.sampled_from([
    "", " ", "  ", "\r", "  \r", "#", "# c", "#  - id: NOT-ONE", "  # indented", "# ### #",
    "#\tc\r", "# 注释 é Å", "# 𝄞", "\t", " \t ", "\t# tab", "# a\x85documents: 2", "# a\u2028b",
    "# a\rb", "# bell\x07", "# del\x7f", "# c1\x9b", "# — dash", "# ，comma", "\ufeff# bom",
    "\x0c"])


@settings(max_examples=150, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(LEAD_LINES, max_size=400), empty=st.booleans(), fmt=st.booleans(),
       bad=st.booleans())
def test_any_lead_of_blank_and_comment_lines_is_read_as_the_loader_reads_it(
        lines: list[str], empty: bool, fmt: bool, bad: bool) -> None:
    """Blank, whitespace-only and comment lines in any mix and number before the register:
    the fast path answers as the full loader does (the old header patterns took 2^n steps
    over n blank lines; the cut now reads each line once). ``bad`` spoils the key after
    them."""
    from techxfer.errors import ConfigError
    from techxfer.format.manifest_parse import EntryCache

    body = "documents: []\n" if empty else (
        "documents:\n- id: DOC-1\n  path: a.pdf\n  title: T\n  revision: A\n"
        "  category: design-output\n  owner: registrant\n  status: effective\n"
        f"  sha256: {'ab' * 32}\n  retention: permanent\n")
    if bad:
        body = body.replace("documents:", "documentz:", 1)
    data = ("".join(f"{line}\n" for line in lines) + ("format: 1\n" if fmt else "") + body).encode()
    try:
        expected: object = yamlio.load(data, "M.yaml")
    except ConfigError:
        expected = ConfigError
    try:
        got: object = parse_manifest(data, "M.yaml", EntryCache())
    except ConfigError:
        got = ConfigError
    if expected is not ConfigError and got is not ConfigError:
        assert got == expected
    else:  # a value the loader reads may still break the schema: both refuse it
        assert got is ConfigError


FRAME_LINES = st.sampled_from([
    "", " ", "# c", "  # indented", "#", "# 注释", "# bell\x07", "# c1\x9b", "# a\u2028b",
    "format: 1", "format: 1  # v", "format: 1#x", "format: 2", "format: '1'", "documents:",
    "documents:  # the list", "documents: # \x85", "other: 1", "documents: []"])


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(lines=st.lists(FRAME_LINES, max_size=8))
def test_the_frame_read_without_yaml_is_what_the_loader_reads(lines: list[str]) -> None:
    """The frame (a manifest's lines outside its list) is read without YAML in the usual
    shapes: whenever that answers, YAML reads the same mapping, documents null."""
    from techxfer.errors import ConfigError
    from techxfer.format.manifest_parse import EntryCache, _frame, _split

    data = ("".join(f"{line}\n" for line in lines) + "documents:\n- id: A\n").encode()
    split = _split(data)
    if split is None:
        return
    frame, _ = split
    got = _frame(frame, "M.yaml", EntryCache())
    try:
        expected = yamlio.load(frame, "M.yaml")
    except ConfigError:
        expected = None
    if got is not None:
        assert got == expected
        assert list(got) == list(expected)  # the keys in the file's order
