"""English and Chinese words of the PDF reports that the other formats do not print.

The words every format shares (title of the transfer list, commit, registrant, the audit
verdict…) stay in ``render.LABELS``; these are the page frame's and the PDF-only sections'.
"""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    "page_of": ("Page {page} of {pages}", "第{page}页/共{pages}页"),
    "registration": ("Registration No.", "注册证编号"),
    "generated": ("Generated", "生成时间"),
    "made_from": ("Made from commit", "生成自提交"),
    # the transfer list
    "sent_commit": ("Sent in commit", "转出提交"),
    "ack_commit": ("Acknowledged in commit", "确认提交"),
    "items_digest": ("Digest of the transferred entries (SHA-256)", "所转移登记条目的摘要 (SHA-256)"),
    # the retention report
    "retention_title": ("Retention report", "记录保存期限报告"),
    "as_of": ("As of", "截至"),
    "totals": ("Totals", "合计"),
    "class": ("Class", "保存类别"),
    "status": ("Status", "文件状态"),
    "end": ("Kept until", "保存至"),
    "permanent": ("permanent", "永久保存"),
    "basis": ("Basis / hold / disposition", "依据 / 保留 / 销毁记录"),
    "holds": ("Legal holds", "法律保留"),
    "hold": ("Hold", "保留编号"),
    "placed": ("Placed", "设置时间"),
    "placed_by": ("Placed by", "设置人"),
    "scope": ("Scope", "范围"),
    "released": ("Released", "解除"),
    "in_force": ("in force", "生效中"),
    "no_holds": ("no legal hold", "无法律保留"),
    "dispositions": ("Dispositions", "销毁记录"),
    "disposition": ("Disposition", "销毁记录编号"),
    "records": ("Records", "记录"),
    "destroyed_by": ("Destroyed by", "执行人"),
    "notice": ("Disposal notice", "销毁通知"),
    "approved_by": ("Approved by", "批准人"),
    "not_approved": ("no approval found", "未找到批准记录"),
    "no_dispositions": ("no disposition", "无销毁记录"),
    "retain": ("retain", "保存中"),
    "eligible": ("eligible", "可销毁"),
    "held": ("held", "保留中"),
    "destroyed": ("destroyed", "已销毁"),
    # the document history and the signature trail
    "history_title": ("Document history", "文件历史"),
    "path": ("Path", "路径"),
    "register": ("Register", "登记清单"),
    "revisions": ("Revisions", "修订记录"),
    "transfers": ("Transfers", "转移记录"),
    "signed_by": ("Signed by", "签名人"),
    "message": ("Commit message", "提交说明"),
    "received_col": ("Received by server", "服务器接收时间"),
    "no_revision": ("no revision found in the history of its register",
                    "登记清单历史中未找到该文件的修订"),
    "trail_title": ("Signature trail", "签名记录"),
    "kind": ("Kind", "类型"),
    "meaning": ("Meaning", "含义"),
    "record": ("Record", "内容"),
    "signature": ("Signature", "签名验证"),
    "no_signatures": ("no signatures", "无签名记录"),
    # values the history builders give in English: what was signed, and what it means
    "term:commit": ("commit", "提交"),
    "term:transfer": ("transfer", "转移"),
    "term:acknowledgement": ("acknowledgement", "确认"),
    "term:authored (commit)": ("authored (commit)", "编写（提交）"),
    "term:sent (authorship)": ("sent (authorship)", "转出（编写）"),
    "term:received": ("received", "已接收"),
    "term:reviewed": ("reviewed", "已审阅"),
    "term:approved": ("approved", "已批准"),
    "term:rejected": ("rejected", "已拒绝"),
    "term:verified": ("verified", "已验证"),
}


def pdf_word(key: str, lang: str, **values: object) -> str:
    text = WORDS[key][1 if lang == "zh" else 0]
    return text.format(**values) if values else text


def pdf_term(value: str, lang: str) -> str:
    """VALUE (a kind, meaning or status the builders give in English) in LANG, where the
    catalogue has it; otherwise as it is (a finding code stays a code)."""
    words = WORDS.get(f"term:{value}")
    return words[1 if lang == "zh" else 0] if words else value
