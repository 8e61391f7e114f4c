"""Shared rendering of findings and records for the terminal."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import click

from techxfer.findings import Finding
from techxfer.reports.text import shown


def say(line: str, *, err: bool = False) -> None:
    """Echo one line whose parts may come from the repository: shown escaped, on one line."""
    click.echo(shown(line), err=err)


def echo_json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2))


def echo_findings(findings: Iterable[Finding], lang: str = "en") -> int:
    from techxfer.reports import i18n

    count = 0
    for finding in findings:
        count += 1
        code = click.style(finding.code.value, fg="red", bold=True)
        where = f"{shown(finding.path)}: " if finding.path else ""
        click.echo(f"  {code} {where}{shown(i18n.message(finding, lang))}")
    return count


def summary_by_code(findings: Iterable[Finding]) -> str:
    counts: dict[str, int] = {}
    for f in findings:
        counts[f.code.value] = counts.get(f.code.value, 0) + 1
    return ", ".join(f"{code} {n}" for code, n in sorted(counts.items()))
