"""A command that stops says why in the language the user asked for: ``TECHXFER_LANG=zh``
(or the command's own ``--lang zh``) gives the catalogued Chinese of the refusal, on the
real command line; English stays as it was. The catalogue's completeness for every
refusal id is test_i18n's."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import SshKey, techxfer, use_signing_key

ZH = {"TECHXFER_LANG": "zh"}
EN = {"TECHXFER_LANG": ""}


def _stopped(proc: object) -> str:
    assert proc.returncode == 2, (proc.stdout, proc.stderr)  # type: ignore[attr-defined]
    err: str = proc.stderr  # type: ignore[attr-defined]
    assert "Traceback" not in err and err.startswith("techxfer: "), err
    return err


def test_a_refusal_in_chinese_and_in_english(repo: Path, keys: dict[str, SshKey]) -> None:
    use_signing_key(repo, keys["wang"])
    args = ("transfer", "DRW-001", "--to", "nobody", "-m", "r")
    zh = _stopped(techxfer(repo, *args, check=False, env=ZH))
    assert zh == "techxfer: 错误：--to：未知的参与方“nobody”\n"
    en = _stopped(techxfer(repo, *args, check=False, env=EN))
    assert en == "techxfer: error: --to: unknown party 'nobody'\n"


def test_ids_listed_and_fields_kept_in_chinese(repo: Path, keys: dict[str, SshKey]) -> None:
    use_signing_key(repo, keys["wang"])
    zh = _stopped(techxfer(repo, "transfer", "NOPE-1", "NOPE-2", "--to", "fab", "-m", "r",
                           check=False, env=ZH))
    assert zh == "techxfer: 错误：未知的文件编号：NOPE-1、NOPE-2\n"
    zh = _stopped(techxfer(repo, "ack", "TX-20260101-R-abcd", check=False, env=ZH))
    assert "没有已提交的转移 TX-20260101-R-abcd" in zh and "transfers/TX-20260101-R-abcd" in zh


def test_the_commands_own_lang_option_chooses_too(repo: Path, tmp_path: Path) -> None:
    """``--lang zh`` on a command that has it: the refusal and its hint are Chinese without
    the variable."""
    empty = tmp_path / "empty"
    empty.mkdir()
    err = _stopped(techxfer(empty, "check", "--lang", "zh", check=False, env=EN))
    assert err == (f"techxfer: 错误：{empty}：不是 git 仓库\n"
                   "  提示：请在您的 techxfer 仓库内运行 techxfer，或用 `techxfer init` 新建一个\n")
    err = _stopped(techxfer(empty, "check", check=False, env=EN))
    assert err == (f"techxfer: error: {empty}: not a git repository\n"
                   "  hint: run techxfer inside your techxfer repository, or create one with "
                   "`techxfer init`\n")


def test_a_release_refusal_and_its_hint_in_chinese(repo: Path, keys: dict[str, SshKey]) -> None:
    use_signing_key(repo, keys["wang"])
    zh = _stopped(techxfer(repo, "release", "production", "B-7", "-m", "r", check=False, env=ZH))
    assert zh == ("techxfer: 错误：HEAD 的清单中没有批次 B-7 的记录\n"
                  "  提示：以 x-batch: B-7 或以 -B-7 结尾的编号登记，或用 --record ID 点名\n")
    zh = _stopped(techxfer(repo, "release", "production", "B 7", "-m", "r", check=False, env=ZH))
    assert zh == "techxfer: 错误：批号“B 7”：只能使用字母、数字、“.”、“_”或“-”（最多 64 个）\n"


def test_joined_reasons_keep_their_layout_and_take_chinese_punctuation() -> None:
    from techxfer.findings import bullets, listing, msg, several
    from techxfer.reports.i18n import render

    reason = msg("refuse.doc_missing", "{id}: {path} is missing", id="D-1", path="a.txt")
    said = msg("refuse.release", "cannot release batch {batch} ({step}); nothing was "
               "written:{reasons}", batch="B1", step="production",
               reasons=bullets(reason, "as written"))
    assert said.text == ("cannot release batch B1 (production); nothing was written:\n"
                         "  - D-1: a.txt is missing\n  - as written")
    assert render(said, "zh") == ("不能放行批次 B1（production）；未写入任何内容：\n"
                                  "  - D-1：a.txt 缺失\n  - as written")
    assert several(reason, "x").text == "D-1: a.txt is missing; x"
    assert render(several(reason, "x"), "zh") == "D-1：a.txt 缺失；x"
    assert render(listing("a", "b"), "zh") == "a、b" and listing("a", "b").text == "a, b"


def test_a_record_kept_says_why_in_chinese(repo: Path, keys: dict[str, SshKey]) -> None:
    """dispose of a design record that is kept (its class, no approved notice): each reason
    from the retention rules' catalogue, the records apart."""
    use_signing_key(repo, keys["wang"])
    args = ("dispose", "DRW-001", "SPEC-001", "--notice", "TX-20260101-R-abcd")
    en = _stopped(techxfer(repo, *args, check=False, env=EN))
    zh = _stopped(techxfer(repo, *args, check=False, env=ZH))
    assert en.startswith("techxfer: error: may not destroy: DRW-001: ") and " | SPEC-001: " in en
    assert zh.startswith("techxfer: 错误：不得销毁：DRW-001：") and " | SPEC-001：" in zh
    assert not re.search(r"[a-z]{4,} [a-z]{4,}", zh.replace("techxfer dispose request", "")), zh
