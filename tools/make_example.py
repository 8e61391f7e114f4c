"""Regenerate ``example_repo/``: the small technical file of one infusion pump.

Run by hand (``python tools/make_example.py``) when the example should change; the output
is committed. PDFs are made with fpdf2 and a CJK font so the Chinese titles render.
The documents are short but shaped like the real ones: numbered sections, tables, a
title block on the drawings, revision history.
"""

from __future__ import annotations

import hashlib
import shutil
import sys
from pathlib import Path
from typing import Any

import yaml
from fpdf import FPDF

ROOT = Path(__file__).resolve().parents[1] / "example_repo"
PRODUCT = "IP-300 volumetric infusion pump"
PRODUCT_ZH = "IP-300 容量式输液泵"
FONT_CANDIDATES = ["/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
                   "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"]
# Fixed metadata so regenerating gives the same bytes.
CREATION = "D:20260301090000+08'00'"


def font() -> str:
    for candidate in FONT_CANDIDATES:
        if Path(candidate).exists():
            return candidate
    sys.exit("needs a CJK font: apt-get install fonts-wqy-microhei")


class Doc(FPDF):
    def __init__(self, doc_id: str, title: str, title_zh: str, revision: str,
                 orientation: str = "P") -> None:
        super().__init__(orientation=orientation, format="A4")
        self.doc_id, self.title_en, self.title_zh, self.revision = doc_id, title, title_zh, revision
        self.add_font("cjk", fname=font())
        self.set_font("cjk", size=10)
        self.set_creation_date(__import__("datetime").datetime(2026, 3, 1, 9, 0))
        self.set_title(f"{doc_id} {title}")
        self.set_author("Acme Medical Technology Co., Ltd.")
        self.set_auto_page_break(True, 18)

    def header(self) -> None:
        self.set_font("cjk", size=8)
        self.cell(0, 5, f"Acme Medical Technology · {PRODUCT} / {PRODUCT_ZH}", new_x="LMARGIN",
                  new_y="NEXT")
        self.cell(0, 5, f"{self.doc_id}   Rev {self.revision}", new_x="LMARGIN", new_y="NEXT")
        self.line(self.l_margin, self.get_y() + 1, self.w - self.r_margin, self.get_y() + 1)
        self.ln(4)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font("cjk", size=8)
        self.cell(0, 5, f"{self.doc_id} Rev {self.revision} — page {self.page_no()}/{{nb}}",
                  align="C")

    def heading(self, text: str) -> None:
        self.set_font("cjk", size=12)
        self.ln(2)
        self.multi_cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
        self.set_font("cjk", size=10)

    def para(self, text: str) -> None:
        self.multi_cell(0, 5.5, text, new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def table(self, rows: list[list[str]], widths: list[float]) -> None:
        self.set_font("cjk", size=9)
        for i, row in enumerate(rows):
            for text, width in zip(row, widths, strict=True):
                self.cell(width, 6, text, border=1, fill=False)
            self.ln()
            if i == 0:
                self.set_font("cjk", size=9)
        self.set_font("cjk", size=10)
        self.ln(2)

    def titlepage(self) -> None:
        self.alias_nb_pages()
        self.add_page()
        self.set_font("cjk", size=16)
        self.multi_cell(0, 9, f"{self.title_en}\n{self.title_zh}", new_x="LMARGIN", new_y="NEXT")
        self.set_font("cjk", size=10)
        self.ln(2)


def revision_history(doc: Doc, rows: list[tuple[str, str, str]]) -> None:
    doc.heading("Revision history / 修订记录")
    doc.table([["Rev", "Date", "Change / 变更内容"], *[list(r) for r in rows]], [20, 30, 130])


def requirements(rev: str) -> Doc:
    d = Doc("PTR-IP300", "Product technical requirements", "产品技术要求", rev)
    d.titlepage()
    d.heading("1 Scope / 范围")
    d.para("These requirements apply to the IP-300 volumetric infusion pump for continuous "
           "intravenous infusion in hospital wards. 本要求适用于医院病房连续静脉输注用的 "
           "IP-300 容量式输液泵。")
    d.heading("2 Performance / 性能指标")
    d.table([["Item / 项目", "Requirement / 要求", "Test / 试验"],
             ["Flow range", "0.1 – 1200 mL/h", "IP-IP300-001 §5.1"],
             ["Flow accuracy", "±5 % (≥ 1 mL/h)", "IP-IP300-001 §5.2"],
             ["Occlusion alarm", "≤ 120 kPa, 3 levels", "IP-IP300-001 §5.3"],
             ["Air-in-line", "≥ 50 µL bubble detected", "IP-IP300-001 §5.4"],
             ["Battery", "≥ 5 h at 25 mL/h", "IP-IP300-001 §5.5"]], [50, 70, 60])
    d.heading("3 Safety / 安全要求")
    d.para("Electrical safety to GB 9706.1 and GB 9706.227; electromagnetic compatibility to "
           "YY 9706.102. 电气安全、电磁兼容按相应标准。")
    revision_history(d, [("A", "2026-03-01", "First issue / 首次发布")])
    return d


def drawing(doc_id: str, title: str, title_zh: str, rev: str, parts: list[tuple[str, str]],
            history: list[tuple[str, str, str]]) -> Doc:
    d = Doc(doc_id, title, title_zh, rev, orientation="L")
    d.alias_nb_pages()
    d.add_page()
    # Frame and a schematic outline, then the title block bottom right.
    d.rect(10, 22, 277, 170)
    d.set_line_width(0.6)
    d.rect(40, 50, 120, 80)
    d.circle(100, 90, 30)
    d.line(40, 50, 160, 130)
    d.set_line_width(0.2)
    d.set_xy(45, 135)
    d.set_font("cjk", size=8)
    for n, (part, note) in enumerate(parts, 1):
        d.set_x(45)
        d.cell(0, 5, f"{n}. {part} — {note}", new_x="LMARGIN", new_y="NEXT")
    d.set_xy(187, 150)
    block = [f"{title}", title_zh, f"Drawing no. {doc_id}", f"Rev {rev}   Scale 1:2   A3",
             "Material: see BOM-IP300"]
    for line in block:
        d.set_x(187)
        d.cell(100, 6, line, border=1, new_x="LMARGIN", new_y="NEXT")
    d.add_page()
    revision_history(d, history)
    return d


def process_flow() -> Doc:
    d = Doc("PFC-IP300", "Production process flow", "生产工艺流程图", "A")
    d.titlepage()
    steps = [("10", "Incoming inspection / 进货检验", "IP-IP300-002"),
             ("20", "PCB assembly and test / 电路板装配测试", "WI-IP300-020"),
             ("30", "Pump mechanism assembly / 泵机构装配", "DRW-IP300-002"),
             ("40", "Final assembly / 总装", "WI-IP300-010"),
             ("50", "Flow calibration / 流量校准", "WI-IP300-050"),
             ("60", "Final inspection / 成品检验 (key process / 关键工序)", "IP-IP300-001"),
             ("70", "Labeling and packing / 贴标包装", "LBL-IP300-001")]
    d.table([["Step", "Operation / 工序", "Document / 文件"], *[list(s) for s in steps]],
            [20, 110, 50])
    revision_history(d, [("A", "2026-03-01", "First issue / 首次发布")])
    return d


def inspection() -> Doc:
    d = Doc("IP-IP300-001", "Final inspection procedure", "成品检验规程", "A")
    d.titlepage()
    d.heading("5 Tests / 检验项目")
    d.table([["§", "Test / 项目", "Method / 方法", "Accept / 判定"],
             ["5.1", "Flow range", "Gravimetric, 3 rates", "in range"],
             ["5.2", "Flow accuracy", "Gravimetric 1 h", "±5 %"],
             ["5.3", "Occlusion alarm", "Pressure gauge", "≤ 120 kPa"],
             ["5.4", "Air-in-line", "50 µL bubble", "alarm"],
             ["5.5", "Battery", "25 mL/h discharge", "≥ 5 h"]], [15, 45, 70, 50])
    d.heading("6 Records / 记录")
    d.para("Results go into the device history record of the batch; a failed unit is "
           "segregated and handled as nonconforming product. 检验结果记入批生产记录。")
    revision_history(d, [("A", "2026-03-01", "First issue / 首次发布")])
    return d


def label() -> Doc:
    d = Doc("LBL-IP300-001", "Device label artwork", "产品标签", "A")
    d.alias_nb_pages()
    d.add_page()
    d.rect(30, 40, 150, 70)
    d.set_xy(35, 45)
    for line in [f"{PRODUCT_ZH}", PRODUCT, "型号 Model: IP-300", "注册证编号: 国械注准2026XXXXXXX",
                 "注册人: 示例医疗科技有限公司", "受托生产企业: 示例精密制造有限公司",
                 "生产日期 / 批号: see packaging", "100–240 V~ 50/60 Hz 40 VA   IPX4"]:
        d.set_x(35)
        d.cell(0, 7, line, new_x="LMARGIN", new_y="NEXT")
    return d


def ifu() -> Doc:
    d = Doc("IFU-IP300", "Instructions for use", "使用说明书", "A")
    d.titlepage()
    for title, text in [
        ("1 Intended use / 预期用途", "Controlled intravenous infusion of fluids and drugs for "
         "adult patients by trained clinical staff. 供经过培训的医护人员对成人患者进行静脉输注。"),
        ("2 Warnings / 警告", "Use only the administration sets listed in section 9. Do not use "
         "near MRI equipment. 仅使用第9章所列输液器。"),
        ("3 Setting up / 安装", "Mount the pump on an IV pole, load the set, close the door, "
         "select the set type. 将输液泵固定在输液架上，装入输液器。"),
        ("4 Alarms / 报警", "Occlusion, air-in-line, door open, low battery, end of infusion."),
    ]:
        d.heading(title)
        d.para(text)
    return d


TEXT_FILES: dict[str, str] = {
    "design/bom.csv": (
        "item,part_no,description,description_zh,qty,material,supplier_class\n"
        "1,HSG-300-01,Front housing,前壳,1,PC/ABS V-0,B\n"
        "2,HSG-300-02,Rear housing,后壳,1,PC/ABS V-0,B\n"
        "3,PMP-300-10,Peristaltic mechanism,蠕动泵机构,1,assembly,A\n"
        "4,MTR-300-11,Stepper motor 42 mm,步进电机,1,purchased,A\n"
        "5,SNS-300-20,Pressure sensor upstream,上游压力传感器,1,purchased,A\n"
        "6,SNS-300-21,Pressure sensor downstream,下游压力传感器,1,purchased,A\n"
        "7,SNS-300-30,Ultrasonic air detector,超声气泡传感器,1,purchased,A\n"
        "8,PCB-300-01,Main board,主控板,1,assembly,A\n"
        "9,BAT-300-01,Li-ion battery 7.4 V 2600 mAh,锂电池,1,purchased,A\n"
        "10,LBL-300-01,Rating label,铭牌,1,PET,C\n"),
    "process/wi-final-assembly.md": (
        "# WI-IP300-010 Work instruction: final assembly / 总装作业指导书\n\n"
        "Revision A\n\n"
        "1. Check the main board serial number against the traveller.\n"
        "2. Fit the peristaltic mechanism (DRW-IP300-002) with four M3×8 screws, 0.6 N·m.\n"
        "3. Connect the motor, sensor and battery harnesses; route as in DRW-IP300-001.\n"
        "4. Close the housing; torque the six M3×12 screws to 0.8 N·m in cross order.\n"
        "5. Record the serial numbers and torque driver id in the batch record.\n"),
    "inspection/incoming-checklist.csv": (
        "part_no,characteristic,method,sample,accept\n"
        "HSG-300-01,Dimensions per drawing,Caliper,AQL 1.0 II,per drawing\n"
        "HSG-300-01,Flammability certificate,Document,each lot,UL 94 V-0\n"
        "MTR-300-11,Step angle and torque,Test bench,5 per lot,1.8° ≥0.4 N·m\n"
        "SNS-300-20,Calibration certificate,Document,each lot,present\n"
        "BAT-300-01,Capacity,Discharge test,3 per lot,≥2600 mAh\n"),
}

DOCUMENTS: dict[str, list[dict[str, Any]]] = {
    "design": [
        {"id": "PTR-IP300", "path": "product-technical-requirements.pdf",
         "title": "Product technical requirements", "title_zh": "产品技术要求",
         "category": "design-output", "make": lambda: requirements("A")},
        {"id": "BOM-IP300", "path": "bom.csv", "title": "Bill of materials",
         "title_zh": "物料清单", "category": "design-output"},
    ],
    "design/drawings": [
        {"id": "DRW-IP300-001", "path": "housing-assembly.pdf",
         "title": "Pump housing assembly drawing", "title_zh": "泵壳装配图",
         "category": "design-output",
         "make": lambda: drawing("DRW-IP300-001", "Pump housing assembly", "泵壳装配图", "A",
                                 [("Front housing HSG-300-01", "PC/ABS"),
                                  ("Rear housing HSG-300-02", "PC/ABS"),
                                  ("Screw M3×12", "6 pcs, 0.8 N·m")],
                                 [("A", "2026-03-01", "First issue / 首次发布")])},
        {"id": "DRW-IP300-002", "path": "peristaltic-mechanism.pdf",
         "title": "Peristaltic mechanism drawing", "title_zh": "蠕动机构图",
         "category": "design-output",
         "make": lambda: drawing("DRW-IP300-002", "Peristaltic mechanism", "蠕动机构图", "A",
                                 [("Cam shaft", "304 stainless"), ("Fingers ×12", "POM"),
                                  ("Stepper motor MTR-300-11", "purchased")],
                                 [("A", "2026-03-01", "First issue / 首次发布")])},
    ],
    "process": [
        {"id": "PFC-IP300", "path": "process-flow.pdf", "title": "Production process flow",
         "title_zh": "生产工艺流程图", "category": "process", "make": process_flow},
        {"id": "WI-IP300-010", "path": "wi-final-assembly.md",
         "title": "Work instruction: final assembly", "title_zh": "总装作业指导书",
         "category": "process"},
    ],
    "inspection": [
        {"id": "IP-IP300-001", "path": "final-inspection.pdf",
         "title": "Final inspection procedure", "title_zh": "成品检验规程",
         "category": "inspection", "make": inspection},
        {"id": "IP-IP300-002", "path": "incoming-checklist.csv",
         "title": "Incoming inspection checklist", "title_zh": "进货检验清单",
         "category": "inspection"},
    ],
    "labeling": [
        {"id": "LBL-IP300-001", "path": "device-label.pdf", "title": "Device label artwork",
         "title_zh": "产品标签", "category": "labeling", "make": label},
        {"id": "IFU-IP300", "path": "instructions-for-use.pdf", "title": "Instructions for use",
         "title_zh": "使用说明书", "category": "labeling", "make": ifu},
    ],
}

# Used later by the demo: revision B of the housing drawing, and a batch record.
LATER: dict[str, Any] = {
    "later/housing-assembly-revB.pdf": lambda: drawing(
        "DRW-IP300-001", "Pump housing assembly", "泵壳装配图", "B",
        [("Front housing HSG-300-01", "PC/ABS"), ("Rear housing HSG-300-02", "PC/ABS"),
         ("Screw M3×12", "6 pcs, 0.9 N·m (was 0.8)"), ("Gasket GSK-300-05", "new: IPX4")],
        [("A", "2026-03-01", "First issue / 首次发布"),
         ("B", "2026-06-15", "Gasket added for IPX4; screw torque 0.9 N·m / 增加密封圈")]),
}
LATER_TEXT = {
    "later/batch-record-B2026-0001.csv": (
        "batch,serial,step,result,operator,date\n"
        "B2026-0001,IP300-260001,40 final assembly,pass,op-017,2026-07-02\n"
        "B2026-0001,IP300-260001,50 flow calibration,pass,op-021,2026-07-02\n"
        "B2026-0001,IP300-260001,60 final inspection,pass,qc-004,2026-07-03\n"
        "B2026-0001,IP300-260002,40 final assembly,pass,op-017,2026-07-02\n"
        "B2026-0001,IP300-260002,50 flow calibration,pass,op-021,2026-07-02\n"
        "B2026-0001,IP300-260002,60 final inspection,pass,qc-004,2026-07-03\n"),
    "later/deviation-DEV-B2026-0001-01.txt": (
        "Deviation report DEV-B2026-0001-01 / 偏差报告\n"
        "Batch: B2026-0001, line 2, 2026-07-02\n"
        "Found: fill volume of the calibration syringe 0.4 % below target at step 50.\n"
        "Cause: worn seal on the reference syringe; replaced, line re-qualified.\n"
        "Impact: both serials re-calibrated and passed; no impact on the product.\n"),
    "later/complaint-CMP-2026-001.txt": (
        "Complaint CMP-2026-001 / 投诉\n"
        "Received: 2026-08-11 by the manufacturer's service desk, hospital customer.\n"
        "Device: IP-300, serial IP300-260002.\n"
        "Report: occlusion alarm during infusion with a standard set; no patient harm.\n"),
    "later/change-request-PCR-2026-003.txt": (
        "Process change request PCR-2026-003 / 工艺变更申请\n"
        "From: the manufacturer, line 2, step 40 final assembly.\n"
        "Change: torque driver TD-200 replaced by TD-250; set torque unchanged (0.9 N·m).\n"
        "Verification proposed: torque measured on the first three units of the first batch.\n"),
    "later/quality-data-2026-11.csv": (
        "month,batches,units,first_pass_yield,nonconformities,complaints\n"
        "2026-11,1,2,100%,1,1\n"),
}


def write_pdf(doc: Doc, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    doc.output(str(target))


def main() -> None:
    if ROOT.exists():
        shutil.rmtree(ROOT)
    for rel, text in {**TEXT_FILES, **LATER_TEXT}.items():
        (ROOT / rel).parent.mkdir(parents=True, exist_ok=True)
        (ROOT / rel).write_text(text, encoding="utf-8")
    for rel, make in LATER.items():
        write_pdf(make(), ROOT / rel)
    for folder, docs in DOCUMENTS.items():
        entries = []
        for doc in docs:
            target = ROOT / folder / doc["path"]
            if "make" in doc:
                write_pdf(doc["make"](), target)
            entries.append({
                "id": doc["id"], "path": doc["path"], "title": doc["title"],
                "title_zh": doc["title_zh"], "revision": "A", "category": doc["category"],
                "owner": "registrant", "status": "effective",
                "sha256": hashlib.sha256(target.read_bytes()).hexdigest(),
                "retention": "permanent" if doc["category"].startswith(("design", "labeling"))
                else "default",
                "effective": "2026-03-01",
            })
        (ROOT / folder / "MANIFEST.yaml").write_text(
            yaml.safe_dump({"format": 1, "documents": entries}, allow_unicode=True,
                           sort_keys=False), encoding="utf-8")
    (ROOT / "README.md").write_text(
        "# Example technical file: IP-300 volumetric infusion pump\n\n"
        "Made by `tools/make_example.py`; `techxfer demo` builds a signed history from it.\n"
        "Each folder's `MANIFEST.yaml` lists its documents. `later/` holds what the demo\n"
        "adds afterwards: revision B of the housing drawing, a manufacturer batch record, a\n"
        "deviation report on that batch (sent, approved: closed, before the batch is\n"
        "released), a complaint the manufacturer sends and the registrant acknowledges, and\n"
        "the month's quality data, sent and awaiting acknowledgement (what `duties` shows due).\n"
        "The company names, registration number and figures are invented.\n",
        encoding="utf-8")


if __name__ == "__main__":
    main()
