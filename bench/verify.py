"""Benchmark ``techxfer verify`` against git's own signature pass, on one generated history.

    python bench/verify.py --commits 10000 --docs 5000 [--keep DIR]

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


def timed(args: list[str], cwd: Path, env: dict[str, str] | None = None,
          stdin: bytes | None = None) -> tuple[float, subprocess.CompletedProcess[bytes]]:
    t0 = time.perf_counter()
    proc = subprocess.run(args, cwd=cwd, capture_output=True, env={**os.environ, **(env or {})},
                          input=stdin, check=False)
    return time.perf_counter() - t0, proc


def child_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--commits", type=int, default=10_000)
    ap.add_argument("--docs", type=int, default=5_000)
    ap.add_argument("--keep", type=Path, help="Build (or reuse) the repository here.")
    args = ap.parse_args()

    work = args.keep or Path(tempfile.mkdtemp(prefix="techxfer-bench-"))
    repo = work / "repo"
    gen: dict[str, object] = {}
    if not (repo / ".git").exists():
        gen = history.generate(repo, args.commits, args.docs, 8)
        # Packed, as a clone from a server is (the generator writes loose objects).
        subprocess.run(["git", "repack", "-a", "-d", "-q"], cwd=repo, check=True)
        print(f"generated {gen}", flush=True)
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
    shutil.rmtree(repo / ".git" / "techxfer", ignore_errors=True)  # where older versions kept it

    # A branch 100 commits behind, for the pre-receive measurement.
    total = int(subprocess.run(["git", "rev-list", "--count", "HEAD"], cwd=repo,
                               capture_output=True, check=True).stdout)
    base = subprocess.run(["git", "rev-parse", "HEAD~100"], cwd=repo, capture_output=True,
                          check=True).stdout.decode().strip()
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True,
                          check=True).stdout.decode().strip()

    verify_s, proc = timed([PY, "-m", "techxfer", "verify", "--json"], repo, env)
    verify_peak = child_peak_mb()
    result = json.loads(proc.stdout)
    print(f"verify: {verify_s:.2f} s, {result['commits']} commits, ok={result['ok']}, "
          f"{len(result['findings'])} findings", flush=True)
    cached_s, _ = timed([PY, "-m", "techxfer", "verify", "--json"], repo, env)
    print(f"verify (cached): {cached_s:.2f} s", flush=True)

    git_s, proc = timed(["git", "-c", "gpg.ssh.allowedSignersFile=.git/allowed_signers",
                         "log", "--format=%G?"], repo, env)
    good = proc.stdout.decode().split().count("G")
    print(f"git log --format=%G?: {git_s:.2f} s ({good} good signatures)", flush=True)

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
    some = sorted((repo / "design" / "part-00").glob("doc-*.pdf"))[0]
    some.write_bytes(some.read_bytes() + b"\n% bench change\n")
    subprocess.run([PY, "-m", "techxfer", "add", str(some.relative_to(repo)), "--id",
                    "PART-00-0000", "--title", "Document", "--category", "design-output",
                    "--revision", "BENCH"], cwd=repo, check=True, capture_output=True,
                   env={**os.environ, **env})
    hook_s, proc = timed([PY, "-m", "techxfer.hooks", "pre-commit", "--"], repo, env)
    check_s, _ = timed([PY, "-m", "techxfer", "check"], repo, env)
    subprocess.run(["git", "checkout", "-q", "HEAD", "--", "."], cwd=repo, check=True)
    subprocess.run(["git", "reset", "-q"], cwd=repo, check=True)
    print(f"pre-commit hook, 1 staged file: {hook_s:.2f} s (exit {proc.returncode}); "
          f"check of the whole tree: {check_s:.2f} s", flush=True)

    figures = {
        "commits": total, "docs": args.docs, **{k: v for k, v in gen.items() if k != "commits"},
        "verify_s": round(verify_s, 2), "git_s": round(git_s, 2),
        "ratio": round(git_s / verify_s, 1), "cached_verify_s": round(cached_s, 2),
        "prereceive_100_s": round(pre_s, 2), "postreceive_receipt_s": round(post_s, 2),
        "push_100_with_receipt_s": round(pre_s + post_s, 2), "peak_rss_mb": round(verify_peak, 1),
        "transfers_table_s": round(table_s, 2), "transfers_json_s": round(json_s, 2),
        "transfers_pdf_s": round(pdf_s, 2), "precommit_1_file_s": round(hook_s, 2),
        "check_tree_s": round(check_s, 2), "repository": str(repo),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
