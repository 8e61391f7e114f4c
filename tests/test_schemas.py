"""The JSON Schemas of every file kind: a good example passes; each strictness rule
(unknown keys, bad dates, bad hashes, absolute paths, ``..``, empty ids) fails with the
file and key path named."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from techxfer.errors import ConfigError, SchemaError
from techxfer.format import defaults, schema, yamlio

SCHEMAS = Path(__file__).resolve().parents[1] / "manifest_schema"
SHA = "a" * 64
COMMIT = "b" * 40
WHEN = "2026-11-23T10:00:00+08:00"

GOOD: dict[str, Any] = {
    "repo": defaults.repo_yaml("acme", "fab", "Pump"),
    "parties": {"parties": {
        "acme": {"seat": "registrant", "name": "示例医疗", "people": [
            {"id": "zhang.wei", "name": "张伟", "roles": ["quality-head"],
             "keys": [{"ssh": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA6lVXpb6zCE0Ap3S2XqkN3hd5BqJ0yxJTdBJJe2Rm+3",
                       "valid_from": "2026-01-01"}]}]},
        "fab": {"seat": "manufacturer", "name": "示例制造", "people": []}}},
    "policy": defaults.policy_yaml(),
    "retention": defaults.retention_yaml(),
    "manifest": {"format": 1, "documents": [
        {"id": "DRW-001", "path": "drawings/a.pdf", "title": "Drawing", "title_zh": "图纸",
         "revision": "A", "category": "design-output", "owner": "registrant",
         "status": "effective", "sha256": SHA, "retention": "permanent",
         "created": "2026-01-02", "effective": "2026-01-02"}]},
    "transfer": {"id": "TX-20261123-R-1a2b3c4d", "date": WHEN, "from": "acme", "to": "fab",
                 "type": "initial", "reason": "First", "signer": "wang.fang",
                 "role": "doc-control", "manifest_digest": SHA,
                 "items": [{"id": "DRW-001", "path": "design/a.pdf", "revision": "A",
                            "sha256": SHA, "action": "add"}]},
    "ack": {"transfer": "TX-20261123-R-1a2b3c4d", "transfer_commit": COMMIT,
            "manifest_digest": SHA, "party": "fab", "signer": "li.na", "role": "quality-head",
            "meaning": "received", "date": WHEN},
    "hold": {"id": "HOLD-20261123-1", "reason": "Litigation", "ref": "CASE-7", "placed": WHEN,
             "placed_by": "acme:zhang.wei", "ids": ["DRW-001"]},
    "disposition": {"id": "DISP-20261123-M-1a2b", "date": WHEN, "party": "fab",
                    "signer": "zhao.min", "reason": "Retention over",
                    "notice": "TX-20261123-M-1a2b3c4d", "approval_commit": COMMIT,
                    "records": [{"id": "BR-1", "path": "records/b.csv", "revision": "1",
                                 "sha256": SHA}]},
}


DELETE = object()


def mutate(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    out = copy.deepcopy(data)
    target = out
    for part in path[:-1]:
        target = target[part]
    if value is DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return out


def problems(kind: str, data: Any) -> list[str]:
    with pytest.raises(SchemaError) as info:
        schema.validate(kind, data, f"the-{kind}.yaml")
    assert info.value.source == f"the-{kind}.yaml"
    assert f"the-{kind}.yaml" in info.value.message
    return info.value.problems


@pytest.mark.parametrize("kind", sorted(GOOD))
def test_good_examples_pass(kind: str) -> None:
    schema.validate(kind, GOOD[kind], "x.yaml")


@pytest.mark.parametrize("kind", schema.KINDS)
def test_every_schema_is_valid_and_has_id_and_description(kind: str) -> None:
    doc = json.loads((SCHEMAS / f"{kind}.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(doc)
    assert doc["$id"].startswith("https://") and doc["$id"].endswith(f"{kind}.schema.json")
    assert doc["description"] and doc["title"]


@pytest.mark.parametrize("kind", sorted(GOOD))
def test_unknown_top_level_key(kind: str) -> None:
    found = problems(kind, {**GOOD[kind], "surprise": 1})
    assert any("surprise" in p for p in found)


CASES = [
    # (kind, key path, bad value, text expected in the key path of the problem)
    ("manifest", ("documents", 0, "sha256"), "abc", "documents[0].sha256"),
    ("manifest", ("documents", 0, "sha256"), "A" * 64, "documents[0].sha256"),
    ("manifest", ("documents", 0, "path"), "/etc/passwd", "documents[0].path"),
    ("manifest", ("documents", 0, "path"), "../up.pdf", "documents[0].path"),
    ("manifest", ("documents", 0, "path"), "a/../../b.pdf", "documents[0].path"),
    ("manifest", ("documents", 0, "path"), "a\\b.pdf", "documents[0].path"),
    ("manifest", ("documents", 0, "id"), "", "documents[0].id"),
    ("manifest", ("documents", 0, "created"), "2026-13-01", "documents[0].created"),
    ("manifest", ("documents", 0, "created"), "23/11/2026", "documents[0].created"),
    ("manifest", ("documents", 0, "status"), "gone", "documents[0].status"),
    ("manifest", ("documents", 0, "extra"), 1, "documents[0]"),
    ("manifest", ("documents", 0, "title"), DELETE, "documents[0]"),
    ("manifest", ("format",), 2, "format"),
    ("transfer", ("manifest_digest",), "0" * 63, "manifest_digest"),
    ("transfer", ("date",), "2026-11-23", "date"),
    ("transfer", ("date",), "yesterday", "date"),
    ("transfer", ("items", 0, "path"), "/abs.pdf", "items[0].path"),
    ("transfer", ("items", 0, "path"), "../x.pdf", "items[0].path"),
    ("transfer", ("items", 0, "id"), "", "items[0].id"),
    ("transfer", ("items", 0, "action"), "delete", "items[0].action"),
    ("transfer", ("id",), "TX-1", "id"),
    ("transfer", ("type",), "gift", "type"),
    ("ack", ("transfer_commit",), "xyz", "transfer_commit"),
    ("ack", ("meaning",), "maybe", "meaning"),
    ("ack", ("date",), "2026-02-30T10:00:00+08:00", "date"),
    ("hold", ("id",), "", "id"),
    ("hold", ("placed_by",), "zhang", "placed_by"),
    ("hold", ("ids",), [""], "ids[0]"),
    ("disposition", ("records", 0, "sha256"), "nope", "records[0].sha256"),
    ("disposition", ("records", 0, "path"), "../../etc/shadow", "records[0].path"),
    ("disposition", ("records",), [], "records"),
    ("repo", ("ack_within_days",), 0, "ack_within_days"),
    ("repo", ("registrant",), "", "registrant"),
    ("parties", ("parties", "acme", "people", 0, "keys", 0, "valid_from"), "2026-1-1",
     "parties.acme.people[0].keys[0].valid_from"),
    ("parties", ("parties", "acme", "people", 0, "id"), "", "parties.acme.people[0].id"),
    ("parties", ("parties", "acme", "seat"), "owner", "parties.acme.seat"),
    ("policy", ("rules", 0, "paths", 0), "/../x/**", "rules[0].paths[0]"),
    ("policy", ("rules", 0, "write", 0), "nobody", "rules[0].write[0]"),
    ("retention", ("classes", "batch-record", "rules", 0, "from"), "birthday",
     "classes.batch-record.rules[0].from"),
    ("retention", ("classes", "permanent", "permanent"), "yes", "classes.permanent.permanent"),
    # oneOf with not: an ssh key and an OpenPGP fingerprint in one entry
    ("parties", ("parties", "acme", "people", 0, "keys", 0, "openpgp"), "A" * 40,
     "parties.acme.people[0].keys[0]"),
    ("parties", ("parties", "acme", "people", 0, "roles"), ["quality-head", "quality-head"],
     "parties.acme.people[0].roles"),
    ("parties", ("parties",), {}, "parties"),
    # if/then: a policy change transfers no documents
    ("transfer", ("type",), "policy-change", "items"),
]


@pytest.mark.parametrize("kind,path,value,where", CASES,
                         ids=[f"{c[0]}:{'.'.join(map(str, c[1]))}="
                              f"{'(deleted)' if c[2] is DELETE else repr(c[2])}"[:60] for c in CASES])
def test_strictness_rule(kind: str, path: tuple[Any, ...], value: Any, where: str) -> None:
    found = problems(kind, mutate(GOOD[kind], path, value))
    assert any(p.startswith(where) for p in found), found


@pytest.mark.parametrize("kind", sorted(GOOD))
def test_top_level_must_be_a_mapping(kind: str) -> None:
    assert any(p.startswith("(top)") for p in problems(kind, ["a", "list"]))


def test_every_problem_is_reported_not_just_the_first() -> None:
    bad = mutate(mutate(GOOD["manifest"], ("documents", 0, "sha256"), "x"),
                 ("documents", 0, "path"), "/abs")
    found = problems("manifest", bad)
    assert len(found) >= 2


# -- YAML loading at the boundary -------------------------------------------------------
@pytest.mark.parametrize("text,needle", [
    (b"a: [\n", "malformed YAML"),
    (b"a: &x 1\nb: *x\n", "alias"),
    (b"a: 1\na: 2\n", "duplicate"),
    (b"\xff\xfe not utf-8", "UTF-8"),
])
def test_yaml_loader_refuses(text: bytes, needle: str) -> None:
    with pytest.raises(ConfigError) as info:
        yamlio.load(text, "f.yaml")
    assert "f.yaml" in info.value.message
    assert needle.lower() in info.value.message.lower()


def test_yaml_dates_stay_strings() -> None:
    assert yamlio.load(b"d: 2026-11-23\n", "f.yaml") == {"d": "2026-11-23"}


def test_huge_file_is_refused_before_parsing() -> None:
    with pytest.raises(ConfigError) as info:
        yamlio.load(b"a: " + b"x" * (yamlio.MAX_BYTES + 1), "big.yaml")
    assert "big.yaml" in info.value.message


@pytest.mark.parametrize("kind", sorted(GOOD))
def test_the_compiled_check_covers_every_schema(kind: str) -> None:
    """Each schema compiles to the fast check, and it passes the good example (a schema
    using a keyword or format the check does not know would fall back to jsonschema)."""
    quick = schema._quick(kind)
    assert quick is not None
    assert quick(GOOD[kind])


DATES = ["2026-11-23", "2026-02-30", "2026-1-2", "２０２６-11-23", "2026-11-23T00:00:00",
         "20261123", " 2026-11-23", "2026-11-23\n", "0000-01-01", 20261123, None]
TIMES = [WHEN, "2026-11-23T10:00:00Z", "2026-11-23T10:00:00", "2026-11-23", "2026-11-23T25:00:00Z",
         "2026-11-23 10:00:00+08:00", "yesterday", "2026-11-23T10:00:00+08:00\n", 5]


@pytest.mark.parametrize("value", DATES)
def test_compiled_date_agrees_with_jsonschema(value: Any) -> None:
    doc = mutate(GOOD["manifest"], ("documents", 0, "created"), value)
    says = not list(schema._validator("manifest").iter_errors(doc))
    quick = schema._quick("manifest")
    assert quick is not None
    assert quick(doc) == says  # for these values the fast check decides exactly as jsonschema
    assert says == (value == "2026-11-23")


@pytest.mark.parametrize("value", TIMES)
def test_compiled_date_time_agrees_with_jsonschema(value: Any) -> None:
    doc = mutate(GOOD["ack"], ("date",), value)
    says = not list(schema._validator("ack").iter_errors(doc))
    quick = schema._quick("ack")
    assert quick is not None
    assert quick(doc) == says
    assert says == (value in (WHEN, "2026-11-23T10:00:00Z"))


@pytest.mark.parametrize("kind,path,value,where", CASES,
                         ids=[f"{c[0]}:{'.'.join(map(str, c[1]))}" for c in CASES])
def test_compiled_check_never_passes_what_jsonschema_refuses(kind: str, path: tuple[Any, ...],
                                                             value: Any, where: str) -> None:
    quick = schema._quick(kind)
    assert quick is not None
    assert quick(GOOD[kind])
    assert not quick(mutate(GOOD[kind], path, value))
