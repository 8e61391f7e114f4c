"""Benchmark ``techxfer verify`` against git's own signature pass, on generated histories.

    python bench/verify.py --commits 10000 --docs 5000 [--style S|all] [--keep DIR]

``--style`` picks how the manifests are written (``history.STYLES``: techxfer's own
writer, indented lists, flow mappings, comments and quoted scalars, shuffled key order;
``all`` for each in turn, each its own history). For each style, on its own repository:
``verify_s``, ``cached_verify_s``, ``git_s``, ``ratio`` (git / verify, cold and cached),
``max_rss_mb`` (of the verify process, from ``wait4``; the signature worker is a process
of its own and counted apart, the larger of the two is reported) and
``precommit_1_file_s``, and with each time its CPU seconds (``verify_cpu_s``, ``git_cpu_s``,
``ratio_cpu``, ``precommit_1_file_cpu_s``: user + system of the process and every process it
waited for: less moved than the wall clock by a shared machine's load). The other figures below
are taken on the first style only.

Measured in one run on the same repository:
- ``verify_s``: a full ``techxfer verify`` from a cold cache (every check of DESIGN 4);
- ``git_s``: ``git log --format=%G?`` over the same commits with an allowed-signers file
  (git runs ssh-keygen once per commit; it checks signatures only);
- ``cached_verify_s``: a second ``verify`` (blob hashes and parsed files cached);
- ``prereceive_100_s``: the server's pre-receive hook judging a push of 100 new commits;
- ``postreceive_receipt_s``: the witness's post-receive writing the signed receipt of that
  push, and ``push_100_with_receipt_s`` the two hooks together;
- ``peak_rss_mb``: the peak memory of the verify process;
- also the transfer list (table, json, pdf) and the pre-commit hook with one staged file.
The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import history  # noqa: E402

PY = sys.executable


def children_cpu() -> float:
    """User + system seconds of every child process waited for so far (and theirs)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(args: list[str], cwd: Path, env: dict[str, str] | None = None,
          stdin: bytes | None = None) -> tuple[float, subprocess.CompletedProcess[bytes]]:
    t0 = time.perf_counter()
    proc = subprocess.run(args, cwd=cwd, capture_output=True, env={**os.environ, **(env or {})},
                          input=stdin, check=False)
    return time.perf_counter() - t0, proc


def timed_cpu(args: list[str], cwd: Path, env: dict[str, str] | None = None
              ) -> tuple[float, float, subprocess.CompletedProcess[bytes]]:
    """Seconds of wall clock and of CPU (user + system of the process and all it ran): on a
    shared machine the CPU time is the figure that does not depend on the other load."""
    cpu0 = children_cpu()
    seconds, proc = timed(args, cwd, env)
    return seconds, children_cpu() - cpu0, proc


def timed_rss(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, float, bytes]:
    """Seconds, CPU seconds (user + system, with every process it waited for: git, the
    signature worker), max RSS in MB and stdout of one command. The RSS is the child's
    own (``wait4``), with what it waited for: a grandchild counts only if it is bigger."""
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(args, cwd=cwd, stdout=out, stderr=subprocess.DEVNULL,
                                env={**os.environ, **env})
        _, _, usage = os.wait4(proc.pid, 0)
        proc.returncode = 0
        seconds = time.perf_counter() - t0
        out.seek(0)
        return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out.read()


def child_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def precommit(repo: Path, env: dict[str, str]) -> tuple[float, float, int]:
    """The pre-commit hook with one staged file: a new revision of one document."""
    some = sorted((repo / "design" / "part-00").glob("doc-*.pdf"))[0]
    some.write_bytes(some.read_bytes() + b"\n% bench change\n")
    subprocess.run([PY, "-m", "techxfer", "add", str(some.relative_to(repo)), "--id",
                    "PART-00-0000", "--title", "Document", "--category", "design-output",
                    "--revision", "BENCH"], cwd=repo, check=True, capture_output=True,
                   env={**os.environ, **env})
    best, best_cpu = float("inf"), float("inf")
    code = 0
    for _ in range(3):  # the least of three: one file's hook is short, the machine shared
        hook_s, hook_cpu, proc = timed_cpu([PY, "-m", "techxfer.hooks", "pre-commit", "--"], repo, env)
        best, best_cpu, code = min(best, hook_s), min(best_cpu, hook_cpu), proc.returncode
    return best, best_cpu, code


def restore(repo: Path) -> None:
    subprocess.run(["git", "checkout", "-q", "HEAD", "--", "."], cwd=repo, check=True)
    subprocess.run(["git", "reset", "-q"], cwd=repo, check=True)


def build(repo: Path, commits: int, docs: int, style: str) -> dict[str, object]:
    if (repo / ".git").exists():
        return {}
    gen = history.generate(repo, commits, docs, 8, style=style)
    # Packed, as a clone from a server is (the generator writes loose objects).
    subprocess.run(["git", "repack", "-a", "-d", "-q"], cwd=repo, check=True)
    print(f"generated ({style}) {gen}", flush=True)
    return gen


def measure_style(repo: Path, work: Path, env: dict[str, str], style: str,
                  git: bool = True) -> dict[str, object]:
    """verify cold and cached, git's signature pass, max RSS and the pre-commit hook."""
    shutil.rmtree(work / "cache", ignore_errors=True)
    verify_s, verify_cpu, rss, out = timed_rss([PY, "-m", "techxfer", "verify", "--json"], repo, env)
    result = json.loads(out)
    cached_s, cached_cpu, cached_rss, _ = timed_rss([PY, "-m", "techxfer", "verify", "--json"],
                                                    repo, env)
    git_s, git_cpu, good = float("nan"), float("nan"), 0
    if git:
        git_s, git_cpu, proc = timed_cpu(["git", "-c", "gpg.ssh.allowedSignersFile=.git/allowed_signers",
                                          "log", "--format=%G?"], repo, env)
        good = proc.stdout.decode().split().count("G")
    hook_s, hook_cpu, hook_code = precommit(repo, env)
    restore(repo)
    figures = {"style": style, "verify_s": round(verify_s, 2), "cached_verify_s": round(cached_s, 2),
               "git_s": round(git_s, 2), "git_good": good, "ratio": round(git_s / verify_s, 1),
               "ratio_cached": round(git_s / cached_s, 1),
               # CPU seconds (user + system, child processes included): the load-independent
               # figures on a shared machine, and the ratio of the two passes' CPU.
               "verify_cpu_s": round(verify_cpu, 2), "cached_verify_cpu_s": round(cached_cpu, 2),
               "git_cpu_s": round(git_cpu, 2), "ratio_cpu": round(git_cpu / verify_cpu, 1),
               "ok": result["ok"],
               "findings": len(result["findings"]), "max_rss_mb": round(max(rss, cached_rss), 1),
               "precommit_1_file_s": round(hook_s, 2), "precommit_1_file_cpu_s": round(hook_cpu, 2),
               "precommit_exit": hook_code}
    print(json.dumps(figures), flush=True)
    return figures


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--commits", type=int, default=10_000)
    ap.add_argument("--docs", type=int, default=5_000)
    ap.add_argument("--keep", type=Path, help="Build (or reuse) the repositories here.")
    ap.add_argument("--style", choices=[*history.STYLES, "all"], default="techxfer")
    ap.add_argument("--verify-only", action="store_true",
                    help="Only verify, git's pass, memory and the pre-commit hook, per style.")
    ap.add_argument("--no-git", action="store_true",
                    help="Skip git's signature pass (minutes at 10,000 commits): memory runs.")
    args = ap.parse_args()

    work = args.keep or Path(tempfile.mkdtemp(prefix="techxfer-bench-"))
    chosen = list(history.STYLES) if args.style == "all" else [args.style]
    repos = {style: work / (f"repo-{style}" if style != "techxfer" else "repo") for style in chosen}
    gens = {style: build(repos[style], args.commits, args.docs, style) for style in chosen}
    # The caches and checkpoints of every run here in a folder of its own, emptied first: a
    # kept repository (--keep) is measured cold too, and the server's pre-receive does not
    # resume from a checkpoint an earlier run saved at the pushed tip.
    env = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": str(work / "gitconfig"),
           "TECHXFER_CACHE_DIR": str(work / "cache")}
    shutil.rmtree(work / "cache", ignore_errors=True)
    # Measured as installed: pip compiles the package, so no run pays for compiling it.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run([PY, "-m", "compileall", "-q", str(Path(__file__).resolve().parents[1] / "techxfer")],
                   check=True)
    (work / "gitconfig").write_text("[user]\n\tname = bench\n\temail = bench@example.invalid\n")
    print(f"load: {os.getloadavg()}", flush=True)
    styles = [measure_style(repos[style], work, env, style, git=not args.no_git) for style in chosen]
    if args.verify_only:
        print(json.dumps({"commits": args.commits, "docs": args.docs, "styles": styles,
                          "children_peak_rss_mb": round(child_peak_mb(), 1),
                          "load": os.getloadavg()}))
        return
    repo, gen = repos[chosen[0]], gens[chosen[0]]
    shutil.rmtree(work / "cache", ignore_errors=True)

    # A branch 100 commits behind, for the pre-receive measurement.
    total = int(subprocess.run(["git", "rev-list", "--count", "HEAD"], cwd=repo,
                               capture_output=True, check=True).stdout)
    base = subprocess.run(["git", "rev-parse", "HEAD~100"], cwd=repo, capture_output=True,
                          check=True).stdout.decode().strip()
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True,
                          check=True).stdout.decode().strip()

    # verify, its cached run and git's pass on this repository: the first style's figures.
    first = styles[0]
    verify_s, cached_s, git_s = (float(str(first[k])) for k in ("verify_s", "cached_verify_s", "git_s"))
    verify_peak = float(str(first["max_rss_mb"]))

    # pre-receive: the server has the history up to HEAD~100 verified (its checkpoint),
    # then receives the last 100 commits.
    server = work / "server.git"
    if server.exists():
        shutil.rmtree(server)
    subprocess.run(["git", "clone", "-q", "--bare", str(repo), str(server)], check=True,
                   env={**os.environ, **env})
    subprocess.run(["git", "update-ref", "refs/heads/main", base], cwd=server, check=True)
    timed([PY, "-m", "techxfer", "verify", base, "--json"], server, env)  # server's own history
    pre_s, proc = timed([PY, "-m", "techxfer.hooks", "pre-receive", "--"], server, env,
                        stdin=f"{base} {head} refs/heads/main\n".encode())
    print(f"pre-receive, 100 commits: {pre_s:.2f} s (exit {proc.returncode})", flush=True)

    # post-receive on a witness server: the receipt of that push (DESIGN 10), written after
    # git moved the branch; with pre-receive, what a push of 100 commits costs the server.
    witness = work / "witness"
    if not witness.exists():
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "bench witness",
                        "-f", str(witness)], check=True)
    subprocess.run(["git", "config", "techxfer.witnessKey", str(witness)], cwd=server, check=True)
    subprocess.run(["git", "update-ref", "refs/heads/main", head, base], cwd=server, check=True)
    post_s, proc = timed([PY, "-m", "techxfer.hooks", "post-receive", "--"], server, env,
                         stdin=f"{base} {head} refs/heads/main\n".encode())
    receipts = subprocess.run(["git", "rev-list", "--count", "refs/techxfer/receipts"], cwd=server,
                              capture_output=True, check=False).stdout.decode().strip()
    print(f"post-receive (one signed receipt): {post_s:.2f} s (exit {proc.returncode}, "
          f"{receipts} receipt(s)); pre- and post-receive: {pre_s + post_s:.2f} s", flush=True)

    table_s, _ = timed([PY, "-m", "techxfer", "transfers"], repo, env)
    json_s, _ = timed([PY, "-m", "techxfer", "transfers", "--format", "json"], repo, env)
    pdf_s, proc = timed([PY, "-m", "techxfer", "transfers", "--format", "pdf", "--no-verify",
                         "-o", str(work / "transfers.pdf")], repo, env)
    print(f"transfer list: table {table_s:.2f} s, json {json_s:.2f} s, pdf {pdf_s:.2f} s", flush=True)

    # pre-commit with one staged file (a new revision of one document).
    hook_s, _, hook_code = precommit(repo, env)
    check_s, _ = timed([PY, "-m", "techxfer", "check"], repo, env)
    restore(repo)
    print(f"pre-commit hook, 1 staged file: {hook_s:.2f} s (exit {hook_code}); "
          f"check of the whole tree: {check_s:.2f} s", flush=True)

    figures = {
        "commits": total, "docs": args.docs, **{k: v for k, v in gen.items() if k != "commits"},
        "verify_s": round(verify_s, 2), "git_s": round(git_s, 2),
        "ratio": round(git_s / verify_s, 1), "cached_verify_s": round(cached_s, 2),
        "prereceive_100_s": round(pre_s, 2), "postreceive_receipt_s": round(post_s, 2),
        "push_100_with_receipt_s": round(pre_s + post_s, 2), "peak_rss_mb": round(verify_peak, 1),
        "transfers_table_s": round(table_s, 2), "transfers_json_s": round(json_s, 2),
        "transfers_pdf_s": round(pdf_s, 2), "precommit_1_file_s": round(hook_s, 2),
        "check_tree_s": round(check_s, 2), "repository": str(repo), "styles": styles,
        "children_peak_rss_mb": round(child_peak_mb(), 1), "load": os.getloadavg(),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
