from __future__ import annotations

import click

from techxfer.cli.render import say


@click.command("approve")
@click.argument("doc_id", metavar="ID")
@click.option("--revision", metavar="R", help="The revision approved (default: the draft in the "
                                              "register); refused when it is not that one.")
@click.option("--effective", metavar="YYYY-MM-DD", help="When it becomes effective (default: today).")
@click.option("-m", "--message", "comment", metavar="COMMENT", help="Comment (recorded).")
def approve_command(doc_id: str, revision: str | None, effective: str | None,
                    comment: str | None) -> int:
    """Approve a draft revision as its owner's approver: the approval record and the register
    entry made effective, in one signed commit."""
    from techxfer.cli.options import parse_date
    from techxfer.commands.lifecycle import approve
    from techxfer.state.workspace import Workspace

    day = parse_date(effective, "--effective") if effective else None
    done = approve(Workspace.open(), doc_id, revision=revision, effective=day, comment=comment)
    r = done.record
    say(f"Approved {r.document} rev {r.revision} ({r.sha256[:12]}…) as {r.party}:{r.signer} "
        f"({r.role}), effective {r.effective.isoformat()}: {done.path}, commit {done.commit[:10]}.")
    return 0


@click.command("implemented")
@click.argument("tx_id", metavar="TX-ID")
@click.option("--first-batch", required=True, metavar="BATCH",
              help="The first batch made under the change.")
@click.option("-m", "--message", "comment", metavar="COMMENT", help="Comment (recorded).")
def implemented_command(tx_id: str, first_batch: str, comment: str | None) -> int:
    """Confirm that an approved change request is implemented, from its first batch on."""
    from techxfer.commands.lifecycle import confirm_implemented
    from techxfer.state.workspace import Workspace

    done = confirm_implemented(Workspace.open(), tx_id, first_batch, comment=comment)
    r = done.record
    say(f"Confirmed {tx_id} implemented from batch {r.first_batch} as {r.party}:{r.signer} "
        f"({r.role}): {done.path}, commit {done.commit[:10]}.")
    return 0


def register(group: click.Group) -> None:
    group.add_command(approve_command)
    group.add_command(implemented_command)
