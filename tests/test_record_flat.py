"""Record files (transfers, acknowledgements, ...) in the common form are read without YAML
(``manifest_parse.flat_document``): in every style and with every hostile edit generated
here, its answer is either "not mine" (None) or exactly what PyYAML's loader answers."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from techxfer.errors import ConfigError
from techxfer.format import yamlio
from techxfer.format.manifest_parse import flat_document

KEYS = ("id", "transfer", "date", "from", "to", "type", "reason", "signer", "role",
        "manifest_digest", "party", "meaning", "transfer_commit", "x_y-z", "_k", "yes", "null",
        "On", "y", "n", "K9")
VALUES = ("TX-20240109-R-c69181c6", "acme", "doc-control", "2024-01-09T15:00:00+08:00",
          "2024-01-09", "Design changes batch 1", "13e81378198e6f78296633a865d31517d8e8e826",
          "1" * 40, "0b101", "0x1f", "1e5", "1.5", "10", "yes", "No", "null", "~", "true", "",
          "a: b # c", "a #b", "#hash", "O'Brien \"Q\"", "back\\slash", "图纸 第二版", "- x",
          "[a]", "{a: b}", "x" * 300, "tab\there", "nbsp\u00a0x", "ctl\x07x", "dé", ".inf",
          "=", "<<", "a,b", "a b ", " a", "%x", "@x", "`x", "|", ">", "?x", "a?", "é")
ITEM_KEYS = ("id", "path", "revision", "sha256", "action", "yes", "x-1")
HOSTILE = ("none", "none", "none", "duplicate", "anchor", "tag", "tab", "crlf", "bom",
           "block_scalar", "multiline_quote", "no_final_newline", "document_end", "indented",
           "nested", "empty_value", "spaces_line", "comment_in_items", "deeper_items",
           "control_in_comment", "nel", "second_document", "flow_item_tail")


def scalar(value: str, quote: str) -> str:
    if quote == "single":
        return "'" + value.replace("'", "''") + "'"
    if quote == "double":
        return json.dumps(value, ensure_ascii=False)
    return value


@st.composite
def records(draw: Any) -> bytes:
    quote = draw(st.sampled_from(["plain", "single", "double", "mixed"]))
    comments = draw(st.booleans())

    def value() -> str:
        q = draw(st.sampled_from(["plain", "single", "double"])) if quote == "mixed" else quote
        common = draw(st.integers(0, 5)) > 0  # most values as the writer's; some odd
        text = scalar(draw(st.sampled_from(VALUES[:7] if common else VALUES)), q)
        if comments and draw(st.integers(0, 3)) == 0:
            text += draw(st.sampled_from([" # note", "  #x", " #", " # 图"]))
        return text

    lines: list[str] = []
    keys = draw(st.lists(st.sampled_from(KEYS if draw(st.integers(0, 3)) == 0 else KEYS[:13]),
                         min_size=1, max_size=8, unique=True))
    for key in keys:
        if comments and draw(st.integers(0, 4)) == 0:
            lines.append(draw(st.sampled_from(["# a comment", "#", "", "# 注释"])))
        if draw(st.integers(0, 4)) == 0:
            lines.append(f"{key}:")
            for _ in range(draw(st.integers(0, 3))):
                item_keys = draw(st.lists(st.sampled_from(ITEM_KEYS), min_size=1, max_size=5,
                                          unique=True))
                if draw(st.integers(0, 4)) == 0:
                    lines.append("- {" + ", ".join(f"{k}: {value()}" for k in item_keys) + "}")
                else:
                    lines.append(f"- {item_keys[0]}: {value()}")
                    lines.extend(f"  {k}: {value()}" for k in item_keys[1:])
        else:
            lines.append(f"{key}: {value()}")
    text = "\n".join(lines) + "\n"
    hostile = draw(st.sampled_from(HOSTILE if draw(st.booleans()) else ("none",)))
    first = keys[0]
    if hostile == "duplicate":
        text += f"{first}: again\n"
    elif hostile == "anchor":
        text = text.replace(": ", ": &a ", 1) + "alias: *a\n"
    elif hostile == "tag":
        text = text.replace(": ", ": !!str ", 1)
    elif hostile == "tab":
        text = text.replace(": ", ":\t", 1)
    elif hostile == "crlf":
        text = text.replace("\n", "\r\n")
    elif hostile == "bom":
        text = "\ufeff" + text
    elif hostile == "block_scalar":
        text += "text: |\n  - id: FAKE\n  more\n"
    elif hostile == "multiline_quote":
        text += "text: \"one\nid: FAKE\n  two\"\n"
    elif hostile == "no_final_newline":
        text = text.rstrip("\n")
    elif hostile == "document_end":
        text += "...\n"
    elif hostile == "indented":
        text = " " + text
    elif hostile == "nested":
        text += "list:\n- a\n- {b: c}\n"
    elif hostile == "empty_value":
        text += "empty:\n"
    elif hostile == "spaces_line":
        text = text.replace("\n", "\n   \n", 1)
    elif hostile == "comment_in_items":
        text += "items:\n- id: A\n# between\n- id: B\n"
    elif hostile == "deeper_items":
        text += "items:\n  - id: A\n    path: p\n"
    elif hostile == "control_in_comment":
        text += "# bell \x07\n"
    elif hostile == "nel":
        text += "# line\u0085break\n"
    elif hostile == "second_document":
        text += "---\nother: 1\n"
    elif hostile == "flow_item_tail":
        text += "items:\n- {id: A}\n  path: p\n"
    return text.encode("utf-8")


def loader(data: bytes) -> tuple[str, Any]:
    try:
        return "ok", yamlio.load(data, "r.yaml")
    except ConfigError:
        return "error", None


@settings(max_examples=600, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=records())
def test_the_flat_reader_answers_as_pyyaml_or_not_at_all(data: bytes) -> None:
    flat = flat_document(data)
    if flat is None:
        return
    kind, value = loader(data)
    assert kind == "ok", data
    assert value == flat and list(value) == list(flat), data
    assert json.dumps(value, sort_keys=False) == json.dumps(flat, sort_keys=False)


def test_the_generator_covers_both_answers_and_the_writers_form() -> None:
    taken = refused = 0

    @settings(max_examples=300, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(data=records())
    def count(data: bytes) -> None:
        nonlocal taken, refused
        if flat_document(data) is None:
            refused += 1
        else:
            taken += 1

    count()
    assert taken > 50 and refused > 50, (taken, refused)
    # What techxfer writes (yamlio.dump) is read without YAML, to the same value.
    record = {"id": "TX-1", "date": "2024-01-09T15:00:00+08:00", "from": "acme",
              "reason": "Design: changes #1", "items": [
                  {"id": "D-1", "path": "design/a.pdf", "revision": "B",
                   "sha256": "57fb21129dbb763b57a2721e406f3d84814de1d44ebd68d222e20cddacc61e09"}],
              "manifest_digest": "09d4ae1d886bd82e7642e12d2bce66653deeccf276079ed750b23b490a756289"}
    data = yamlio.dump(record)
    assert flat_document(data) == record == yamlio.load(data, "r.yaml")


def test_what_the_loader_refuses_the_flat_reader_leaves_to_it() -> None:
    for data in (b"a: 1\na: 2\n", b"a: b\n\x07\n", b"a: &x b\nc: *x\n", b"a: b\n- c\n",
                 b"a: b\n  c\n", b"a: 'b\n"):
        assert flat_document(data) is None, data
