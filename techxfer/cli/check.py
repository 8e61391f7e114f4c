from __future__ import annotations

import click

from techxfer.cli.render import echo_findings, echo_json, summary_by_code


@click.command("check")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True)
def check_command(as_json: bool, lang: str) -> int:
    """Check the working tree: schemas, register, hashes, ids, paths, people and keys."""
    from techxfer.reports import i18n
    from techxfer.rules.register import check_state
    from techxfer.state.workspace import Workspace

    ws = Workspace.open()
    state = check_state(ws.worktree())
    ws.cache.flush()
    findings = sorted(state.findings, key=lambda f: (f.path or "", f.code.value, f.message))
    documents = sum(1 for _ in state.entries())
    if as_json:
        echo_json({"ok": not findings, "documents": documents, "manifests": len(state.manifests),
                   "findings": [f.as_json() for f in findings]})
    elif findings:
        click.echo(i18n.word("check.findings", lang, n=len(findings)))
        echo_findings(findings, lang)
        click.echo(i18n.word("check.summary", lang, by_code=summary_by_code(findings)))
    else:
        click.echo(i18n.word("check.clean", lang, documents=documents,
                             manifests=len(state.manifests)))
    return 1 if findings else 0


def register(group: click.Group) -> None:
    group.add_command(check_command)
