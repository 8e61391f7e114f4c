from __future__ import annotations

from collections import defaultdict

import click

from techxfer.cli.render import echo_json, summary_by_code


@click.command("verify")
@click.argument("rev", default="HEAD")
@click.option("--trust-root", metavar="REV", help="Default: git config techxfer.trustRoot, "
              "else the first commit.")
@click.option("--as-of", metavar="DATE", help="Judge deadlines at this date (default: now).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True)
@click.option("--no-cache", is_flag=True, help="Recompute everything: read and write no cache "
              "(the cache lives in the user's cache directory, never in the repository).")
@click.option("--require-receipts", is_flag=True, help="A commit no receipt of the server's "
              "witness covers (refs/techxfer/receipts) is a finding, UNWITNESSED.")
@click.option("-q", "--quiet", is_flag=True, help="No progress line on stderr (there is none "
              "either when stderr is not a terminal, or with --json).")
def verify_command(rev: str, trust_root: str | None, as_of: str | None, as_json: bool,
                   lang: str, no_cache: bool, require_receipts: bool, quiet: bool) -> int:
    """Audit the whole history from the trust root to REV, with the server's receipt log
    where the repository has one."""
    from techxfer.audit.preconditions import require_full_history
    from techxfer.audit.walk import Auditor
    from techxfer.cli.options import parse_as_of
    from techxfer.cli.progress import progress_line
    from techxfer.reports import i18n
    from techxfer.reports.text import shown
    from techxfer.rules.receipts import receipt_log
    from techxfer.state.workspace import Workspace

    ws = Workspace.open(cached=not no_cache)
    require_full_history(ws.repo)
    progress = progress_line("verify", "commits", lang, quiet=quiet or as_json)
    receipts = receipt_log(ws.repo, rev, require=require_receipts, seen=ws.cache.folder)
    try:
        result = Auditor(ws.repo, ws.cache, as_of=parse_as_of(as_of), progress=progress,
                         receipts=receipts).run(rev, trust_root)
    finally:
        if progress is not None:
            progress.close()
    if as_json:
        echo_json(result.as_json())
        return 0 if result.ok else 1
    by_commit = defaultdict(list)
    for finding in result.findings:
        by_commit[finding.commit].append(finding)
    for commit, findings in by_commit.items():
        header = ws.repo.commit_info(commit).message.split("\n", 1)[0] if commit else ""
        click.echo(click.style(f"{i18n.word('commit', lang)} {(commit or '')[:10]}", bold=True)
                   + f"  {shown(header)}")
        for f in findings:
            where = f" {shown(f.path)}:" if f.path else ""
            click.echo(f"  {click.style(f.code.value, fg='red')} ({i18n.title(f.code, lang)})"
                       f"{where} {shown(i18n.message(f, lang))}")
    click.echo(i18n.word("summary", lang, commits=result.commits, root=result.root[:10],
                         tip=result.tip[:10], transfers=result.transfers,
                         acks=result.acknowledgements, pending=len(result.pending)))
    if result.ok:
        click.echo(i18n.word("clean", lang))
        return 0
    click.echo(i18n.word("findings", lang, n=len(result.findings),
                         by_code=summary_by_code(result.findings)))
    return 1


def register(group: click.Group) -> None:
    group.add_command(verify_command)
