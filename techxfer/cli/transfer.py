from __future__ import annotations

import click

from techxfer.cli.render import say
from techxfer.model.transfer import MEANINGS, TRANSFER_TYPES


@click.command("transfer")
@click.argument("ids", nargs=-1)
@click.option("--changed", is_flag=True, help="Every document of yours changed since the last transfer.")
@click.option("--to", "to", required=True, metavar="PARTY", help="Recipient party (id or seat).")
@click.option("-m", "--message", "reason", required=True, metavar="REASON", help="Why (recorded).")
@click.option("--type", "tx_type", type=click.Choice(TRANSFER_TYPES), default=None,
              help="Default: initial for a first transfer, change afterwards.")
@click.option("--change-ref", metavar="REF", help="Change request / change control reference.")
def transfer_command(ids: tuple[str, ...], changed: bool, to: str, reason: str,
                     tx_type: str | None, change_ref: str | None) -> int:
    """Transfer documents to the other party in one signed commit."""
    from techxfer.commands.transfer import TransferRequest, create_transfer
    from techxfer.state.workspace import Workspace

    ws = Workspace.open()
    req = TransferRequest(ids, changed, to, reason, tx_type or "initial", change_ref)
    if tx_type is None:
        from techxfer.commands.transfer import default_type

        req = TransferRequest(ids, changed, to, reason, default_type(ws, to), change_ref)
    done = create_transfer(ws, req)
    tx = done.transfer
    say(f"Transfer {tx.id} ({tx.type}) to {tx.recipient}, committed {done.commit[:10]}, "
        f"signed by {done.signer.party.id}:{done.signer.person.id} ({tx.role}).")
    for item in tx.items:
        say(f"  {item.action:<8} {item.id} rev {item.revision}  {item.path}  "
            f"{item.sha256[:12]}…")
    say(f"Manifest digest {tx.manifest_digest}. {tx.recipient} acknowledges with: "
        f"techxfer ack {tx.id}")
    return 0


@click.command("ack")
@click.argument("tx_id", metavar="TX-ID")
@click.option("--meaning", type=click.Choice(MEANINGS), default="received", show_default=True)
@click.option("-m", "--message", "comment", metavar="COMMENT", help="Comment (recorded).")
def ack_command(tx_id: str, meaning: str, comment: str | None) -> int:
    """Acknowledge a transfer sent to your party, in a signed commit."""
    from techxfer.commands.transfer import acknowledge
    from techxfer.state.workspace import Workspace

    done = acknowledge(Workspace.open(), tx_id, meaning, comment)
    ack = done.ack
    say(f"Acknowledged {tx_id} as {ack.meaning}: {ack.party}:{ack.signer} ({ack.role}), "
        f"commit {done.commit[:10]}, bound to transfer commit {ack.transfer_commit[:10]} "
        f"and digest {ack.manifest_digest[:16]}…")
    return 0


def register(group: click.Group) -> None:
    group.add_command(transfer_command)
    group.add_command(ack_command)
