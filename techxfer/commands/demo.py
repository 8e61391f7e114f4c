"""``techxfer demo``: a real repository built from the bundled example, narrated.

It makes fresh SSH keys for two people of each party (private keys stay inside the
demo's ``.git`` directory and never ship), and drives the same library functions the
commands use, committing through the real ``git commit -S``.
"""

from __future__ import annotations

import copy
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from techxfer.errors import TechxferError, UsageError
from techxfer.format import yamlio
from techxfer.format.layout import MANIFEST_NAME
from techxfer.git.repo import run_git

Echo = Callable[[str], None]

REGISTRANT, MANUFACTURER = "acme", "fab"


@dataclass(frozen=True)
class DemoPerson:
    party: str
    id: str
    name: str
    roles: tuple[str, ...]


PEOPLE = (
    DemoPerson(REGISTRANT, "zhang.wei", "张伟", ("quality-head", "management-representative",
                                                "release-reviewer")),
    DemoPerson(REGISTRANT, "wang.fang", "王芳", ("doc-control", "rd-engineer")),
    DemoPerson(MANUFACTURER, "li.na", "李娜", ("quality-head", "release-reviewer")),
    DemoPerson(MANUFACTURER, "zhao.min", "赵敏", ("doc-control",)),
    DemoPerson(MANUFACTURER, "chen.gang", "陈刚", ("production-head",)),
)


def example_source() -> Path:
    packaged = resources.files("techxfer") / "example_repo"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "example_repo"


def make_key(key_dir: Path, person: DemoPerson) -> Path:
    key_dir.mkdir(parents=True, exist_ok=True)
    private = key_dir / person.id
    try:
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C",
                        f"{person.id}@{person.party}", "-f", str(private)],
                       check=True, capture_output=True)
    except FileNotFoundError:
        raise UsageError("the demo needs ssh-keygen (OpenSSH) to make its keys") from None
    except subprocess.CalledProcessError as exc:
        raise UsageError(f"ssh-keygen failed: {exc.stderr.decode(errors='replace')}") from None
    return private


class Demo:
    def __init__(self, root: Path, echo: Echo) -> None:
        self.root = root
        self.echo = echo
        self.keys: dict[str, Path] = {}
        self.steps = 0

    def step(self, text: str, numbered: bool = True) -> None:
        if numbered:
            self.steps += 1
            text = f"{self.steps}. {text}"
        self.echo(f"\n== {text}")

    def commit_as(self, person_id: str, message: str, date: str | None = None) -> str:
        """Sign and commit what is staged with the person's key (git commit -S)."""
        from techxfer.git.signing import signed_commit
        from techxfer.state.workspace import Workspace

        env = {"GIT_COMMITTER_DATE": date, "GIT_AUTHOR_DATE": date} if date else None
        ws = Workspace.open(self.root)
        return signed_commit(ws.repo, message, signing_key=self.keys[person_id], env=env)

    def setup(self) -> None:
        from techxfer.commands.init import init_repository
        from techxfer.commands.person import add_person
        from techxfer.state.workspace import Workspace

        self.step("The registrant creates the repository (techxfer init)")
        init_repository(self.root, REGISTRANT, MANUFACTURER, "IP-300 volumetric infusion pump")
        run_git(["config", "user.name", "techxfer demo"], cwd=self.root)
        run_git(["config", "user.email", "demo@example.invalid"], cwd=self.root)
        self._name_parties()
        ws = Workspace.open(self.root)
        key_dir = ws.repo.gitdir / "demo-keys"
        self.step("People, roles and fresh signing keys (techxfer person add)")
        for person in PEOPLE:
            private = make_key(key_dir, person)
            self.keys[person.id] = private
            add_person(ws, person.party, person.id, person.name, list(person.roles),
                       Path(f"{private}.pub"), None, None)
            self.echo(f"   {person.party}:{person.id} {person.name} — {', '.join(person.roles)}")
        self.echo(f"   (private keys: {key_dir}, made now, never shipped)")

    def _name_parties(self) -> None:
        path = self.root / ".techxfer" / "parties.yaml"
        raw = yamlio.load(path.read_bytes(), "parties.yaml")
        raw["parties"][REGISTRANT].update(name="示例医疗科技有限公司",
                                          name_en="Acme Medical Technology Co., Ltd.")
        raw["parties"][MANUFACTURER].update(name="示例精密制造有限公司",
                                            name_en="Fab Precision Manufacturing Co., Ltd.")
        path.write_bytes(yamlio.dump(raw))
        repo_path = self.root / ".techxfer" / "repo.yaml"
        repo = yamlio.load(repo_path.read_bytes(), "repo.yaml")
        repo["products"] = [{"name": "IP-300 volumetric infusion pump", "name_zh": "IP-300 容量式输液泵"}]
        repo["quality_agreement"] = "QA-2026-007"
        repo["device_lifetime_years"] = 8
        repo_path.write_bytes(yamlio.dump(repo))
        policy_path = self.root / ".techxfer" / "policy.yaml"
        policy = yamlio.load(policy_path.read_bytes(), "policy.yaml")
        # Who makes the product is trained on each effective revision of a process document
        # before a batch cites it (DESIGN 11; H 2.2.5, H 5.1.5).
        policy["training"] = {"process": ["manufacturer:production-head"]}
        # Design outputs become effective only with the registrant's approval (DESIGN 11;
        # GMP art. 43): a rule of their own, before the registrant's general one.
        general = next(i for i, rule in enumerate(policy["rules"])
                       if rule.get("owner") == "registrant")
        design = dict(copy.deepcopy(policy["rules"][general]), paths=["design/**"],
                      approval="required",
                      description="Design outputs of the registrant: effective only once its "
                                  "quality head approves them")
        policy["rules"].insert(general, design)
        policy_path.write_bytes(yamlio.dump(policy))

    def trust_root(self) -> str:
        self.step("The first commit, signed by the registrant's quality head: the trust root")
        run_git(["add", "-A"], cwd=self.root)
        commit = self.commit_as("zhang.wei", "Trust root: techxfer configuration for IP-300")
        self.echo(f"   commit {commit[:10]} signed by zhang.wei (ssh-ed25519)")
        return commit

    def register_example(self) -> list[dict[str, Any]]:
        from techxfer.commands.add import DocumentRequest, register
        from techxfer.state.workspace import Workspace

        self.step("Document control registers the technical file (techxfer add)")
        source = example_source()
        registered = []
        ws = Workspace.open(self.root)
        for manifest in sorted(source.rglob(MANIFEST_NAME)):
            folder = manifest.parent.relative_to(source)
            raw = yamlio.load(manifest.read_bytes(), str(manifest))
            (self.root / folder).mkdir(parents=True, exist_ok=True)
            target_manifest = self.root / folder / MANIFEST_NAME
            if not target_manifest.exists():
                target_manifest.write_bytes(yamlio.dump({"format": 1, "documents": []}))
            for doc in raw["documents"]:
                shutil.copyfile(manifest.parent / doc["path"], self.root / folder / doc["path"])
                rel = (folder / doc["path"]).as_posix()
                done = register(ws, DocumentRequest(
                    str(self.root / rel), doc["id"], doc["title"], doc["category"], doc["revision"],
                    title_zh=doc.get("title_zh"), retention=doc.get("retention"),
                    status="draft" if rel.startswith("design/") else "effective"))
                registered.append(doc)
                self.echo(f"   {done.id:<12} rev {done.revision}  {rel}"
                          + ("  (draft: design/ needs approval)" if rel.startswith("design/")
                             else ""))
        return registered

    def approve(self, doc_ids: tuple[str, ...], comment: str) -> None:
        """The registrant's quality head approves drafts: each is effective from today."""
        from techxfer.commands.lifecycle import approve
        from techxfer.state.workspace import Workspace

        self.as_person("zhang.wei")
        for doc_id in doc_ids:
            done = approve(Workspace.open(self.root), doc_id, comment=comment)
            self.echo(f"   {done.path}: {doc_id} rev {done.record.revision} approved by zhang.wei "
                      f"({done.record.role}), effective {done.record.effective}, "
                      f"commit {done.commit[:10]}")

    def as_person(self, person_id: str) -> None:
        """Sign as this person from now on, as a user does with git config."""
        run_git(["config", "gpg.format", "ssh"], cwd=self.root)
        run_git(["config", "user.signingkey", str(self.keys[person_id])], cwd=self.root)

    def transfer(self, person_id: str, ids: tuple[str, ...], changed: bool, reason: str,
                 tx_type: str, change_ref: str | None = None, to: str = MANUFACTURER) -> str:
        from techxfer.commands.transfer import TransferRequest, create_transfer
        from techxfer.state.workspace import Workspace

        self.as_person(person_id)
        done = create_transfer(Workspace.open(self.root), TransferRequest(
            ids, changed, to, reason, tx_type, change_ref))
        tx = done.transfer
        self.echo(f"   {tx.id} ({tx.type}) signed by {person_id} as {tx.role}, "
                  f"commit {done.commit[:10]}, {len(tx.items)} item(s):")
        for item in tx.items:
            self.echo(f"     {item.action:<7} {item.id:<14} rev {item.revision}  "
                      f"sha256 {item.sha256[:12]}…")
        return tx.id

    def ack(self, person_id: str, tx_id: str, meaning: str, comment: str) -> None:
        from techxfer.commands.transfer import acknowledge
        from techxfer.state.workspace import Workspace

        self.as_person(person_id)
        done = acknowledge(Workspace.open(self.root), tx_id, meaning, comment)
        self.echo(f"   {tx_id} acknowledged '{meaning}' by {done.ack.party}:{person_id} "
                  f"({done.ack.role}), commit {done.commit[:10]}, bound to transfer commit "
                  f"{done.ack.transfer_commit[:10]}")

    def refused_ack(self, person_id: str, tx_id: str, meaning: str) -> None:
        """An acknowledgement the signer's roles do not carry: refused, nothing written."""
        from techxfer.commands.transfer import acknowledge
        from techxfer.errors import RefusedError
        from techxfer.state.workspace import Workspace

        self.as_person(person_id)
        try:
            acknowledge(Workspace.open(self.root), tx_id, meaning, None)
        except RefusedError as exc:
            self.echo(f"   {person_id} tries '{meaning}': refused, nothing written — {exc.message}")
            return
        raise UsageError(f"the demo expected {person_id}'s '{meaning}' to be refused")

    def training(self) -> None:
        from techxfer.commands.training import train
        from techxfer.state.workspace import Workspace

        self.step("The manufacturer's production head is trained on the process documents "
                  "(techxfer train; policy.yaml training:)")
        self.as_person("chen.gang")
        for doc_id in ("PFC-IP300", "WI-IP300-010"):
            done = train(Workspace.open(self.root), doc_id, None, "Read and understood; "
                         "walked through on line 2")
            self.echo(f"   {done.path}: trained, signed by chen.gang (production-head), "
                      f"commit {done.commit[:10]}")

    def controlled_copies(self, returned: tuple[str, ...] = ()) -> list[str]:
        """The manufacturer's document control issues controlled copies for the shop floor
        (techxfer export --record); the copies of superseded revisions are listed for recall,
        RETURNED given back. The copy numbers issued."""
        from techxfer.commands.export import export_copies
        from techxfer.state.workspace import Workspace

        self.as_person("zhao.min")
        out = Path(tempfile.mkdtemp(prefix="techxfer-demo-copies-"))
        try:
            done = export_copies(Workspace.open(self.root), MANUFACTURER, out / "copies",
                                 stamp=False, record=True, returned=returned)
        finally:
            shutil.rmtree(out, ignore_errors=True)
        issued = [line.copy for line in done.lines if line.copy]
        self.echo(f"   {done.record_path}: {len(issued)} controlled copies issued, signed by "
                  f"zhao.min, commit {(done.record_commit or '')[:10]}")
        for back, _ in done.returned:
            self.echo(f"   returned: copy {back.copy} ({back.id} rev {back.revision})")
        for recall in done.recalls:
            self.echo(f"   to recall: copy {recall.copy.copy} ({recall.copy.id} rev "
                      f"{recall.copy.revision}): {recall.reason}")
        return [c for c in issued if c]

    def change_request(self) -> None:
        """The manufacturer proposes a process change; the registrant approves it in writing
        before it is used; the manufacturer confirms it implemented from a batch."""
        from techxfer.commands.add import DocumentRequest, register
        from techxfer.commands.lifecycle import confirm_implemented
        from techxfer.state.workspace import Workspace

        self.step("The manufacturer asks to change its process; the registrant approves before "
                  "it is used (techxfer transfer --type change-request, ack --meaning approved, "
                  "techxfer implemented)")
        rel = "records/changes/PCR-2026-003.txt"
        (self.root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(example_source() / "later" / "change-request-PCR-2026-003.txt",
                        self.root / rel)
        self.as_person("zhao.min")
        done = register(Workspace.open(self.root), DocumentRequest(
            str(self.root / rel), "PCR-2026-003", "Process change: torque driver at step 40",
            "process-change", "1", title_zh="工艺变更：第 40 步扭矩起子", status="draft"))
        self.commit_as("zhao.min", "PCR-2026-003 proposed (draft)")
        self.echo(f"   {done.id} rev {done.revision} registered as a draft in {done.manifest}")
        tx = self.transfer("zhao.min", ("PCR-2026-003",), False, "Torque driver replaced at "
                           "step 40: same torque, new tool; asks the registrant's approval",
                           "change-request", to=REGISTRANT)
        self.ack("zhang.wei", tx, "approved", "Approved: verification of torque on the first "
                 "three units")
        done = register(Workspace.open(self.root), DocumentRequest(
            str(self.root / rel), "PCR-2026-003", "Process change: torque driver at step 40",
            "process-change", "1", title_zh="工艺变更：第 40 步扭矩起子"))
        self.commit_as("zhao.min", "PCR-2026-003 effective after the registrant's approval")
        self.echo("   PCR-2026-003 rev 1 made effective by zhao.min after the approval")
        self.as_person("li.na")
        implemented = confirm_implemented(Workspace.open(self.root), tx, "B2026-0002",
                                          comment="Torque verified on the first three units")
        self.echo(f"   {implemented.path}: implemented from batch B2026-0002, signed by li.na, "
                  f"commit {implemented.commit[:10]}")

    def recall_housing(self) -> None:
        """Rev B superseded rev A of the housing drawing: the export lists rev A's copy to
        recall; document control records it given back and issues rev B."""
        from techxfer.commands.export import export_copies
        from techxfer.state.workspace import Workspace

        out = Path(tempfile.mkdtemp(prefix="techxfer-demo-copies-"))
        try:
            self.as_person("zhao.min")
            listed = export_copies(Workspace.open(self.root), MANUFACTURER, out / "list",
                                   stamp=False)
            for recall in listed.recalls:
                self.echo(f"   to recall: copy {recall.copy.copy} ({recall.copy.id} rev "
                          f"{recall.copy.revision}): {recall.reason}")
        finally:
            shutil.rmtree(out, ignore_errors=True)
        self.controlled_copies(returned=tuple(r.copy.copy for r in listed.recalls))

    def design_change(self) -> None:
        from techxfer.commands.add import DocumentRequest, register
        from techxfer.state.workspace import Workspace

        self.step("Design change: revision B of the housing drawing, a draft until the registrant's "
                  "quality head approves it (techxfer add --status draft, techxfer approve)")
        rel = "design/drawings/housing-assembly.pdf"
        shutil.copyfile(example_source() / "later" / "housing-assembly-revB.pdf", self.root / rel)
        done = register(Workspace.open(self.root), DocumentRequest(
            str(self.root / rel), "DRW-IP300-001", "Pump housing assembly drawing",
            "design-output", "B", title_zh="泵壳装配图", status="draft"))
        self.echo(f"   {done.id} {done.outcome} to rev {done.revision} (draft): gasket added for "
                  "IPX4, screw torque 0.9 N·m")
        self.as_person("wang.fang")
        self.commit_as("wang.fang", "DRW-IP300-001 rev B: gasket for IPX4 (ECN-2026-014)")
        self.echo("   committed and signed by wang.fang (registrant rd-engineer)")
        self.approve(("DRW-IP300-001",), "ECN-2026-014 reviewed: IPX4 test report TR-2026-031")

    def batch_record(self) -> None:
        from datetime import date

        from techxfer.commands.add import DocumentRequest, register
        from techxfer.state.workspace import Workspace

        self.step("The manufacturer files a batch record (techxfer add, records/)")
        rel = "records/batch/B2026-0001.csv"
        (self.root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(example_source() / "later" / "batch-record-B2026-0001.csv", self.root / rel)
        done = register(Workspace.open(self.root), DocumentRequest(
            str(self.root / rel), "BR-B2026-0001", "Batch record B2026-0001", "batch-record", "1",
            title_zh="批生产记录 B2026-0001", released=date.today()))
        self._cite(done.manifest, done.id, ["PFC-IP300@A", "WI-IP300-010@A"], ["chen.gang"])
        self.echo(f"   {done.id} registered in {done.manifest}, owner manufacturer, retention "
                  "class batch-record (device lifetime, at least 2 years from release)")
        self.echo("   made by chen.gang to PFC-IP300 rev A and WI-IP300-010 rev A (x-made-by, "
                  "x-uses): verify checks he was trained on both")
        self.commit_as("zhao.min", "Batch record B2026-0001")
        self.echo("   committed and signed by zhao.min (manufacturer doc-control)")

    def _cite(self, manifest: str, doc_id: str, uses: list[str], made_by: list[str]) -> None:
        """What the batch record says of how the batch was made, as a manufacturing system
        writes it into the register entry (model/uses: x-uses, x-made-by)."""
        from techxfer.model.uses import MADE_BY_KEY, USES_KEY

        path = self.root / manifest
        raw = yamlio.load(path.read_bytes(), manifest)
        for entry in raw["documents"]:
            if entry["id"] == doc_id:
                entry[USES_KEY], entry[MADE_BY_KEY] = uses, made_by
        path.write_bytes(yamlio.dump(raw))

    def file_report(self, rel: str, source: str, doc_id: str, title: str, title_zh: str,
                    category: str, batch: str | None, commit: bool = True) -> None:
        """The manufacturer's document control registers a quality-event report (COMMIT:
        and signs the commit)."""
        from techxfer.commands.add import DocumentRequest, register
        from techxfer.state.workspace import Workspace

        (self.root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(example_source() / "later" / source, self.root / rel)
        done = register(Workspace.open(self.root), DocumentRequest(
            str(self.root / rel), doc_id, title, category, "1", title_zh=title_zh, batch=batch))
        self.echo(f"   {done.id} rev {done.revision} registered in {done.manifest} ({category}"
                  + (f", batch {batch})" if batch else ")"))
        if commit:
            self.commit_as("zhao.min", f"{doc_id}: {title}")

    def deviation(self, batch: str) -> None:
        self.step("A deviation on the batch: reported by the manufacturer, closed by the "
                  "registrant's approval (techxfer add, transfer --type deviation, ack)")
        doc_id = f"DEV-{batch}-01"
        self.file_report(f"records/deviations/{doc_id}.txt", "deviation-DEV-B2026-0001-01.txt",
                         doc_id, f"Deviation report: fill volume low on line 2, batch {batch}",
                         f"偏差报告：2 号线灌装量偏低，批号 {batch}", "deviation", batch)
        tx = self.transfer("zhao.min", (doc_id,), False, f"Deviation on batch {batch}: "
                           "investigated, no impact on the released product", "deviation",
                           to=REGISTRANT)
        self.refused_release(batch)
        self.ack("zhang.wei", tx, "approved", "Investigation and corrective action accepted")
        self.echo("   closed: the registrant's approval of the report")

    def refused_release(self, batch: str) -> None:
        """A production release while the deviation is open: refused, nothing written."""
        from techxfer.commands.release import release_production
        from techxfer.errors import RefusedError
        from techxfer.state.workspace import Workspace

        self.as_person("li.na")
        try:
            release_production(Workspace.open(self.root), batch, (), "Batch record reviewed",
                               signing_key=self.keys["li.na"])
        except RefusedError as exc:
            reason = exc.message.splitlines()[-1].strip(" -")
            self.echo(f"   li.na tries the production release while it is open: refused, nothing "
                      f"written — {reason}")
            return
        raise UsageError("the demo expected the release over an open deviation to be refused")

    def complaint(self) -> None:
        self.step("Quality events from the manufacturer, each with its deadline (repo.yaml "
                  "ack_within_days_by_type): a complaint, sent and acknowledged; the month's "
                  "quality data")
        self.file_report("records/complaints/CMP-2026-001.txt", "complaint-CMP-2026-001.txt",
                         "CMP-2026-001", "Complaint: occlusion alarm during infusion",
                         "投诉：输液过程中阻塞报警", "complaint", None, commit=False)
        self.file_report("records/quality-data/QD-2026-11.csv", "quality-data-2026-11.csv",
                         "QD-2026-11", "Quality data, November 2026", "质量数据 2026 年 11 月",
                         "quality-data", None, commit=False)
        self.commit_as("zhao.min", "CMP-2026-001 complaint, QD-2026-11 quality data")
        tx = self.transfer("zhao.min", ("CMP-2026-001",), False, "Customer complaint received by "
                           "the manufacturer's service desk", "complaint", to=REGISTRANT)
        self.ack("zhang.wei", tx, "reviewed", "Complaint taken into the registrant's complaint "
                 "handling (CAPA-2026-009)")
        self.transfer("zhao.min", ("QD-2026-11",), False, "Monthly quality data", "quality-data",
                      to=REGISTRANT)
        self.echo("   not yet acknowledged: the registrant's acknowledgement is due (techxfer duties)")

    def release(self, batch: str) -> None:
        from techxfer.commands.release import release_market, release_production
        from techxfer.state.workspace import Workspace

        self.step("The batch is released in two steps (techxfer release production, "
                  "then market); the closed deviation is listed")
        self.as_person("li.na")
        done = release_production(Workspace.open(self.root), batch, (),
                                  "Batch record reviewed complete; no open deviation",
                                  signing_key=self.keys["li.na"])
        self.echo(f"   {done.path}: production release by li.na (manufacturer release-reviewer), "
                  f"commit {done.commit[:10]}")
        self.as_person("zhang.wei")
        done = release_market(Workspace.open(self.root), batch,
                              "Production release file reviewed; released to market",
                              signing_key=self.keys["zhang.wei"])
        self.echo(f"   {done.path}: market release by zhang.wei (registrant release-reviewer), "
                  f"bound to the production release; the batch records' retention counts from "
                  f"today")

    def duties(self) -> None:
        from datetime import date

        from techxfer.commands.duties import DutyRequest, record_duty
        from techxfer.reports.duties import build_duties
        from techxfer.state.workspace import Workspace

        self.step("The registrant audits the manufacturer (techxfer duty record), and what "
                  "is due next (techxfer duties)")
        self.as_person("zhang.wei")
        record, _ = record_duty(Workspace.open(self.root), DutyRequest(
            "supplier-audit", date.today(), "Quality-system audit of fab: two minor findings, "
            "corrective actions agreed"))
        self.echo(f"   {record.id}: audit of {record.subject} signed by zhang.wei (quality-head)")
        report = build_duties(Workspace.open(self.root), date.today())
        for duty in sorted(report.open_duties(), key=lambda d: d.due)[:5]:
            self.echo(f"   {duty.state:<8} {duty.due}  {duty.kind} ({duty.party}, {duty.subject}) "
                      f"[{duty.clause}]")

    def verify(self) -> int:
        from techxfer.audit.walk import Auditor
        from techxfer.state.workspace import Workspace

        self.step("The audit an inspector runs (techxfer verify)")
        ws = Workspace.open(self.root)
        result = Auditor(ws.repo, ws.cache).run()
        self.echo(f"   {result.commits} commits checked from the trust root, "
                  f"{result.transfers} transfers, {result.acknowledgements} acknowledgements, "
                  f"{len(result.findings)} findings")
        for finding in result.findings:
            self.echo(f"   {finding.one_line()}")
        return 1 if result.findings else 0

    def check(self) -> int:
        from techxfer.rules.register import check_state
        from techxfer.state.workspace import Workspace

        ws = Workspace.open(self.root)
        state = check_state(ws.worktree())
        ws.cache.flush()
        documents = sum(1 for _ in state.entries())
        self.step("Check of the working tree (techxfer check)", numbered=False)
        if state.findings:
            for finding in state.findings:
                self.echo(f"   {finding.one_line()}")
            return 1
        self.echo(f"   clean: {documents} documents in {len(state.manifests)} manifests")
        return 0


def run_demo(directory: Path | None, echo: Echo) -> int:
    root = (directory or Path(tempfile.mkdtemp(prefix="techxfer-demo-"))).absolute()
    if root.exists() and any(root.iterdir()):
        raise UsageError(f"{root}: exists and is not empty; give a new directory")
    echo(f"techxfer demo: building a signed technical-file repository in {root}")
    demo = Demo(root, echo)
    try:
        demo.setup()
        demo.trust_root()
        demo.register_example()
        demo.commit_as("wang.fang", "Register the IP-300 technical file")
        demo.echo("   committed and signed by wang.fang (registrant doc-control)")
        demo.step("The registrant's quality head approves the design outputs (techxfer "
                  "approve): each is effective only from then")
        demo.approve(("PTR-IP300", "BOM-IP300", "DRW-IP300-001", "DRW-IP300-002"), "Design review DR-2026-05 "
                     "passed")
        if demo.check():
            return 1
        demo.step("The registrant transfers the technical file (techxfer transfer)")
        first = demo.transfer("wang.fang", (), True, "Design transfer of the IP-300 technical file",
                              "initial")
        demo.step("The manufacturer's quality head acknowledges it (techxfer ack)")
        demo.ack("li.na", first, "reviewed", "Complete; checked against the transfer list")
        demo.training()
        demo.step("The manufacturer's document control issues controlled copies of what it "
                  "acknowledged (techxfer export --record)")
        demo.controlled_copies()
        demo.design_change()
        demo.step("The change is transferred (techxfer transfer --changed)")
        change = demo.transfer("wang.fang", (), True, "ECN-2026-014: gasket for IPX4",
                               "change", "ECN-2026-014")
        demo.step("The manufacturer's document control acknowledges the change; approving "
                  "is for a quality head (policy.yaml meanings)")
        demo.refused_ack("zhao.min", change, "approved")
        demo.ack("zhao.min", change, "received", "Rev B received by document control")
        demo.step("Rev A's copy is recalled and given back; rev B's is issued (techxfer export "
                  "--record --returned)")
        demo.recall_housing()
        demo.batch_record()
        demo.deviation("B2026-0001")
        demo.release("B2026-0001")
        demo.complaint()
        demo.change_request()
        demo.duties()
        clean = demo.check()
        return demo.verify() or clean
    except TechxferError:
        raise
    finally:
        echo(f"\nThe repository is in {root} — try: cd {root} && techxfer status")
