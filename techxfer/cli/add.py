from __future__ import annotations

import click

from techxfer.cli.render import say


@click.command("add")
@click.argument("path")
@click.option("--id", "doc_id", required=True, help="Document id, unique in the repository.")
@click.option("--title", required=True)
@click.option("--title-zh", help="Chinese title.")
@click.option("--category", required=True, help="e.g. design-output, process, labeling.")
@click.option("--revision", required=True)
@click.option("--owner", help="Owning party (default: the owner of the matching policy rule).")
@click.option("--retention", help="Retention class (default: by category, else the default class).")
@click.option("--status", type=click.Choice(["draft", "effective", "obsolete"]),
              help="Default: draft where the path's policy rule says approval: required (then "
                   "techxfer approve makes it effective), else effective.")
@click.option("--released", metavar="DATE", help="Release date (batch records: retention counts "
              "from it), YYYY-MM-DD.")
@click.option("--batch", metavar="BATCH", help="The batch this record belongs to (written as "
              "x-batch; techxfer release lists it under that batch).")
def add_command(path: str, doc_id: str, title: str, title_zh: str | None, category: str,
                revision: str, owner: str | None, retention: str | None, status: str | None,
                released: str | None, batch: str | None) -> int:
    """Register PATH in its nearest MANIFEST.yaml, or record a new revision of it."""
    from techxfer.cli.options import parse_date
    from techxfer.commands.add import DocumentRequest, register
    from techxfer.state.workspace import Workspace

    req = DocumentRequest(path, doc_id, title, category, revision, owner, retention, title_zh,
                          status, parse_date(released, "--released") if released else None,
                          batch)
    done = register(Workspace.open(), req)
    if done.outcome == "unchanged":
        say(f"{done.id} rev {done.revision} is already registered with this content.")
    else:
        say(f"{done.outcome.capitalize()} {done.id} rev {done.revision} ({done.path}) in "
            f"{done.manifest}; sha256 {done.sha256[:16]}… (staged)")
        if done.status == "draft":
            say(f"Rev {done.revision} is a draft: once committed, its owner's approver makes it "
                f"effective with techxfer approve {done.id}")
    return 0


def register(group: click.Group) -> None:
    group.add_command(add_command)
