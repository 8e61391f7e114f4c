"""Generate a realistic signed techxfer history for benchmarks.

N commits over M documents in 50 folders, both parties' keys, transfers and
acknowledgements throughout. Commits are built and signed in-process (pygit2 +
cryptography, SSHSIG exactly as ``ssh-keygen -Y sign -n git`` makes it), so generating
10,000 commits takes seconds, not the minutes ``git commit -S`` would.

    python bench/history.py OUT --commits 10000 --docs 5000 [--transfer-every 10] [--style S]

The manifests are written in one of STYLES: techxfer's own writer, or written here line
by line as other tools and people write YAML (indented or flush lists, flow mappings,
comments and quoted scalars, shuffled key order, with or without the format key).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import random
import re
import struct
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pygit2
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from techxfer.format import (
    defaults,
    yamlio,  # noqa: E402
)
from techxfer.model.transfer import canonical_json  # noqa: E402

FOLDERS = 50
START = datetime(2024, 1, 8, 9, 0, tzinfo=timezone(timedelta(hours=8)))


def _string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


@dataclass
class Person:
    party: str
    id: str
    roles: list[str]
    key: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)

    @property
    def public_line(self) -> str:
        raw = self.key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                                 serialization.PublicFormat.OpenSSH)
        return raw.decode() + f" {self.id}"

    def private_pem(self) -> bytes:
        return self.key.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.OpenSSH,
                                      serialization.NoEncryption())

    def sshsig(self, message: bytes) -> str:
        """An SSHSIG armored signature, namespace git, sha512 — as ssh-keygen makes."""
        pub = self.key.public_key().public_bytes(serialization.Encoding.Raw,
                                                 serialization.PublicFormat.Raw)
        pub_blob = _string(b"ssh-ed25519") + _string(pub)
        signed = (b"SSHSIG" + _string(b"git") + _string(b"") + _string(b"sha512")
                  + _string(hashlib.sha512(message).digest()))
        sig_blob = _string(b"ssh-ed25519") + _string(self.key.sign(signed))
        blob = (b"SSHSIG" + struct.pack(">I", 1) + _string(pub_blob) + _string(b"git")
                + _string(b"") + _string(b"sha512") + _string(sig_blob))
        b64 = base64.b64encode(blob).decode()
        lines = [b64[i:i + 70] for i in range(0, len(b64), 70)]
        return ("-----BEGIN SSH SIGNATURE-----\n" + "\n".join(lines)
                + "\n-----END SSH SIGNATURE-----\n")


PEOPLE = [
    Person("acme", "zhang.wei", ["quality-head"]),
    Person("acme", "wang.fang", ["doc-control", "rd-engineer"]),
    Person("fab", "li.na", ["quality-head"]),
    Person("fab", "zhao.min", ["doc-control"]),
]


class Builder:
    """Builds commits directly in the object database: blobs, folder trees, root tree.
    Only the folders a commit touched (and their ancestors) are rewritten."""

    def __init__(self, path: Path) -> None:
        self.repo = pygit2.init_repository(str(path), initial_head="main")
        self.files: dict[str, dict[str, tuple[pygit2.Oid, int]]] = {"": {}}  # folder → name → blob
        self.children: dict[str, set[str]] = {"": set()}
        self.trees: dict[str, pygit2.Oid] = {}
        self.dirty: set[str] = {""}
        self.head: pygit2.Oid | None = None
        self.clock = START
        self.commits = 0

    def put(self, path: str, data: bytes) -> None:
        folder, _, name = path.rpartition("/")
        self._folder(folder)
        self.files[folder][name] = (self.repo.create_blob(data), pygit2.enums.FileMode.BLOB)
        while True:
            self.dirty.add(folder)
            if not folder:
                break
            folder = folder.rpartition("/")[0]

    def _folder(self, folder: str) -> None:
        if folder in self.files:
            return
        self.files[folder] = {}
        self.children[folder] = set()
        parent = folder.rpartition("/")[0]
        self._folder(parent)
        self.children[parent].add(folder)

    def _tree(self, prefix: str) -> pygit2.Oid:
        if prefix not in self.dirty and prefix in self.trees:
            return self.trees[prefix]
        tb = self.repo.TreeBuilder()
        for name, (oid, mode) in sorted(self.files[prefix].items()):
            tb.insert(name, oid, mode)
        for child in sorted(self.children[prefix]):
            tb.insert(child.rpartition("/")[2], self._tree(child), pygit2.enums.FileMode.TREE)
        self.trees[prefix] = tb.write()
        self.dirty.discard(prefix)
        return self.trees[prefix]

    def commit(self, person: Person, message: str, minutes: int = 30) -> str:
        self.clock += timedelta(minutes=minutes)
        offset = 8 * 60
        sig = pygit2.Signature(person.id, f"{person.id}@{person.party}.example",
                               int(self.clock.timestamp()), offset)
        tree = self._tree("")
        parents = [self.head] if self.head is not None else []
        content = self.repo.create_commit_string(sig, sig, message, tree, parents)
        oid = self.repo.create_commit_with_signature(content, person.sshsig(content.encode()))
        self.repo.references.create("refs/heads/main", oid, force=True)
        self.head = oid
        self.commits += 1
        return str(oid)


def doc_bytes(doc_id: str, revision: str, rng: random.Random) -> bytes:
    body = rng.randbytes(rng.randint(300, 3000))
    return f"%PDF-1.4\n% {doc_id} revision {revision}\n".encode() + body


STYLES = ("techxfer", "indented", "flow", "comments", "shuffled")
_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9 ._()/-]*[A-Za-z0-9.)]")
_WORDS = {"yes", "no", "on", "off", "true", "false", "null", "y", "n"}


def _plain_ok(value: str) -> bool:
    """A value every YAML reader takes as this same string when written plain."""
    return bool(_PLAIN.fullmatch(value)) and value.lower() not in _WORDS and ": " not in value


def _double(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _single(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def manifest_bytes(entries: list[dict[str, Any]], style: str = "techxfer") -> bytes:
    """One manifest in one of STYLES. Only "techxfer" uses techxfer's writer; the others
    are written here line by line, the way other tools or people write YAML."""
    if style == "techxfer":
        return yamlio.dump({"format": 1, "documents": entries})
    out: list[str] = []
    if style == "indented":  # no format key, the list indented under its key
        out.append("documents:")
        for e in entries:
            lines = [f"{k}: {v if _plain_ok(v) else _single(v)}" for k, v in e.items()]
            out.append("  - " + lines[0])
            out.extend("    " + line for line in lines[1:])
    elif style == "flow":  # one flow mapping an entry
        out.append("documents:")
        for e in entries:
            pairs = ", ".join(f"{k}: {v if _plain_ok(v) else _double(v)}" for k, v in e.items())
            out.append("  - {" + pairs + "}")
    elif style == "comments":  # comments everywhere, every value quoted, a flush list
        out += ["# Register of controlled documents", "# kept by document control", "",
                "format: 1  # format version", "documents:   # one entry a document"]
        for e in entries:
            out.append(f"# {e['id']}")
            lines = [f"{k}: {_double(v) if k in ('title', 'sha256', 'path') else _single(v)}"
                     for k, v in e.items()]
            lines[-1] += "  # end of entry"
            out.append("- " + lines[0])
            out.extend("  " + line for line in lines[1:])
            out.append("")
    elif style == "shuffled":  # each entry's keys in its own order (new at each revision)
        out.append("documents:")
        for e in entries:
            keys = list(e)
            random.Random(f"{e['id']} {e['revision']}").shuffle(keys)
            lines = [f"{k}: {e[k] if _plain_ok(e[k]) else _single(e[k])}" for k in keys]
            out.append("    - " + lines[0])
            out.extend("      " + line for line in lines[1:])
        out.append("format: 1")
    else:
        raise ValueError(f"unknown style {style!r}")
    return ("\n".join(out) + "\n").encode()


def generate(out: Path, commits: int, docs: int, transfer_every: int, seed: int = 7,
             style: str = "techxfer") -> dict[str, Any]:
    rng = random.Random(seed)
    t0 = time.perf_counter()
    b = Builder(out)
    people = {p.id: p for p in PEOPLE}
    parties = defaults.parties_yaml("acme", "fab")
    for p in PEOPLE:
        parties["parties"][p.party]["people"].append(
            {"id": p.id, "name": p.id, "roles": p.roles, "keys": [{"ssh": p.public_line}]})
    repo_cfg = defaults.repo_yaml("acme", "fab", "Benchmark pump")
    repo_cfg["ack_within_days"] = 3650
    b.put(".techxfer/repo.yaml", yamlio.dump(repo_cfg))
    b.put(".techxfer/parties.yaml", yamlio.dump(parties))
    b.put(".techxfer/policy.yaml", yamlio.dump(defaults.policy_yaml()))
    b.put(".techxfer/retention.yaml", yamlio.dump(defaults.retention_yaml()))
    b.put("MANIFEST.yaml", manifest_bytes([]))  # the root register stays empty
    b.commit(people["zhang.wei"], "Trust root")

    # Documents: 45 registrant design folders, 5 manufacturer record folders.
    per_folder = max(1, docs // FOLDERS)
    folders = [f"design/part-{i:02d}" for i in range(FOLDERS - 5)] + \
              [f"records/batch-{i:02d}" for i in range(5)]
    manifests: dict[str, list[dict[str, Any]]] = {}
    index: dict[str, tuple[str, int]] = {}
    for folder in folders:
        entries = manifests.setdefault(folder, [])
        owner = "manufacturer" if folder.startswith("records") else "registrant"
        for j in range(per_folder):
            doc_id = f"{folder.split('/')[1].upper()}-{j:04d}"
            data = doc_bytes(doc_id, "A", rng)
            name = f"doc-{j:04d}.pdf"
            b.put(f"{folder}/{name}", data)
            entries.append({"id": doc_id, "path": name, "title": f"Document {doc_id}",
                            "revision": "A", "category": "design-output" if owner == "registrant"
                            else "batch-record", "owner": owner, "status": "effective",
                            "sha256": hashlib.sha256(data).hexdigest(),
                            "retention": "permanent" if owner == "registrant" else "batch-record",
                            "effective": "2024-01-08"})
            index[doc_id] = (folder, j)
        b.put(f"{folder}/MANIFEST.yaml", manifest_bytes(entries, style))
        author = people["zhao.min"] if owner == "manufacturer" else people["wang.fang"]
        b.commit(author, f"Register {folder}")

    design = [d for d, (f, _) in index.items() if f.startswith("design")]
    records = [d for d, (f, _) in index.items() if f.startswith("records")]
    changed: list[str] = []
    last_tx: tuple[str, str, str] | None = None  # (tx id, commit, digest) awaiting ack
    transfers = acks = 0
    while b.commits < commits:
        if last_tx is not None:
            tx_id, tx_commit, digest = last_tx
            ack = {"transfer": tx_id, "transfer_commit": tx_commit, "manifest_digest": digest,
                   "party": "fab", "signer": "zhao.min", "role": "doc-control",
                   "meaning": "received", "date": (b.clock + timedelta(minutes=20)).isoformat()}
            b.put(f"transfers/{tx_id}/ack.fab.yaml", yamlio.dump(ack))
            b.commit(people["zhao.min"], f"Acknowledge {tx_id}", minutes=20)
            acks += 1
            last_tx = None
            continue
        if changed and (len(changed) >= transfer_every or b.commits + 2 >= commits):
            items, entries_now = [], []
            for doc_id in dict.fromkeys(changed):
                folder, j = index[doc_id]
                e = manifests[folder][j]
                items.append({"id": doc_id, "path": f"{folder}/{e['path']}",
                              "revision": e["revision"], "sha256": e["sha256"], "action": "revise"})
                rec = dict(e)
                rec["path"] = f"{folder}/{e['path']}"
                entries_now.append(rec)
            digest = hashlib.sha256(canonical_json(sorted(entries_now, key=lambda r: r["id"]))).hexdigest()
            tx_id = f"TX-{b.clock:%Y%m%d}-R-{rng.getrandbits(32):08x}"
            record = {"id": tx_id, "date": (b.clock + timedelta(minutes=30)).isoformat(),
                      "from": "acme", "to": "fab", "type": "change",
                      "reason": f"Design changes batch {transfers + 1}", "signer": "wang.fang",
                      "role": "doc-control", "manifest_digest": digest, "items": items}
            b.put(f"transfers/{tx_id}/transfer.yaml", yamlio.dump(record))
            last_tx = (tx_id, b.commit(people["wang.fang"], f"Transfer {tx_id}"), digest)
            transfers += 1
            changed = []
            continue
        is_record = rng.random() < 0.15
        doc_id = rng.choice(records if is_record else design)
        folder, j = index[doc_id]
        e = manifests[folder][j]
        rev = e["revision"]
        e["revision"] = rev[:-1] + chr(ord(rev[-1]) + 1) if rev[-1] < "Z" else rev + "A"
        data = doc_bytes(doc_id, e["revision"], rng)
        e["sha256"] = hashlib.sha256(data).hexdigest()
        b.put(f"{folder}/{e['path']}", data)
        b.put(f"{folder}/MANIFEST.yaml", manifest_bytes(manifests[folder], style))
        author = people["zhao.min"] if is_record else people["wang.fang"]
        b.commit(author, f"{doc_id} rev {e['revision']}")
        if not is_record:
            changed.append(doc_id)
    keys = out / ".git" / "bench-keys"
    keys.mkdir(exist_ok=True)
    for p in PEOPLE:
        (keys / p.id).write_bytes(p.private_pem())
        (keys / p.id).chmod(0o600)
        (keys / f"{p.id}.pub").write_text(p.public_line + "\n")
    allowed = "\n".join(f"{p.id}@{p.party}.example namespaces=\"git\" {p.public_line}"
                        for p in PEOPLE)
    (out / ".git" / "allowed_signers").write_text(allowed + "\n")
    b.repo.checkout_head(strategy=pygit2.enums.CheckoutStrategy.FORCE)
    return {"commits": b.commits, "docs": len(index), "transfers": transfers, "acks": acks,
            "generate_s": round(time.perf_counter() - t0, 2)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("out", type=Path)
    ap.add_argument("--commits", type=int, default=10_000)
    ap.add_argument("--docs", type=int, default=5_000)
    ap.add_argument("--transfer-every", type=int, default=8)
    ap.add_argument("--style", choices=STYLES, default="techxfer")
    args = ap.parse_args()
    print(generate(args.out, args.commits, args.docs, args.transfer_every, style=args.style))


if __name__ == "__main__":
    main()
