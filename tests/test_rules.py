"""Rules called in-process, on the configuration of a real repository (issue 12).

Each rule lives once in ``techxfer/rules/``; the audit, the hooks and the commands all call
it. These tests call the rule itself, without a subprocess, so a rule's edge cases cost
milliseconds; the CLI tests keep the end-to-end paths.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from techxfer.findings import Code
from techxfer.model.manifest import Manifest
from techxfer.model.transfer import Item, Transfer
from techxfer.rules.retention import NoticeApproval, destruction_blockers
from techxfer.rules.signer import resolve_key
from techxfer.rules.time import commit_time, effective_time
from techxfer.state.config import Config
from techxfer.state.workspace import Workspace

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


@pytest.fixture
def config(repo: Path) -> Config:
    return Workspace.open(repo, cached=False).config()


def test_resolve_key_names_the_one_holder(config: Config, keys: dict) -> None:
    line = keys["wang"].public_line
    identity = " ".join(line.split()[:2])
    holder = resolve_key(config, "ssh", identity, NOW)
    assert holder.code is None and holder.signer is not None
    assert (holder.signer.party.id, holder.signer.person.id) == ("acme", "wang.fang")
    outsider = " ".join(keys["outsider"].public_line.split()[:2])
    unknown = resolve_key(config, "ssh", outsider, NOW)
    assert unknown.signer is None and unknown.code == Code.UNKNOWN_KEY


def test_time_rules() -> None:
    own = NOW - timedelta(hours=1)
    found = commit_time("c" * 40, own, [("p" * 40, NOW)], NOW, timedelta(minutes=10))
    assert [f.code for f in found] == [Code.TIME_INCONSISTENT]
    assert commit_time("c" * 40, NOW - timedelta(minutes=5), [("p" * 40, NOW)], NOW,
                       timedelta(minutes=10)) == []
    future = commit_time("c" * 40, NOW + timedelta(days=1), [], NOW, timedelta(minutes=10))
    assert [f.code for f in future] == [Code.TIME_INCONSISTENT]
    assert effective_time(own, [NOW, own]) == NOW


def _entry(retention: str, released: str | None = None):  # type: ignore[no-untyped-def]
    doc = {"id": "BR-1", "path": "records/b.csv", "title": "Batch", "revision": "A",
           "category": "batch-record", "owner": "manufacturer", "status": "effective",
           "sha256": "0" * 64, "retention": retention}
    if released:
        doc["released"] = released
    return Manifest.create("MANIFEST.yaml", {"documents": [doc]}).entries[0]


def _notice(meaning: str | None) -> NoticeApproval:
    tx = Transfer("TX-1", NOW, "fab", "acme", "disposal-notice", "r", None, "zhao.min",
                  "doc-control", "0" * 64, (Item("BR-1", "records/b.csv", "A", "0" * 64, "withdraw"),))
    return NoticeApproval(tx, meaning)


def test_destruction_needs_retention_over_and_an_approved_notice(config: Config) -> None:
    permanent = destruction_blockers(_entry("permanent"), config, NOW, _notice("approved"))
    assert any("kept permanently" in r for r in permanent)
    config = replace(config, repo=replace(config.repo, device_lifetime_years=10))
    old = _entry("batch-record", released="2001-01-01")
    assert destruction_blockers(old, config, NOW, _notice("approved")) == []
    recent = _entry("batch-record", released="2025-01-01")
    assert any("retained until 2035-01-01" in r
               for r in destruction_blockers(recent, config, NOW, _notice("approved")))
    assert any("not answered" in r for r in destruction_blockers(old, config, NOW, _notice(None)))
    assert any("no disposal notice" in r for r in destruction_blockers(old, config, NOW, None))
