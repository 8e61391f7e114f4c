"""English and Chinese words for findings and reports."""

from __future__ import annotations

from techxfer.findings import Code

LANGS = ("en", "zh")

TITLES: dict[Code, tuple[str, str]] = {
    Code.UNSIGNED_COMMIT: ("Commit not signed", "提交未签名"),
    Code.BAD_SIGNATURE: ("Signature does not verify", "签名验证失败"),
    Code.UNKNOWN_KEY: ("Signed by a key of nobody listed", "签名密钥不属于任何登记人员"),
    Code.KEY_NOT_VALID: ("Key outside its validity window", "密钥不在有效期内"),
    Code.UNAUTHORIZED_CHANGE: ("Change by someone not authorised", "无权限的更改"),
    Code.MANIFEST_INVALID: ("Register or configuration file invalid", "清单或配置文件不符合规范"),
    Code.UNLISTED_FILE: ("Controlled file not in the register", "受控文件未登记"),
    Code.MISSING_FILE: ("Registered file missing", "已登记文件缺失"),
    Code.HASH_MISMATCH: ("File content differs from the register", "文件内容与登记的哈希值不符"),
    Code.DUPLICATE_ID: ("Id registered twice", "文件编号重复"),
    Code.TRANSFER_INVALID: ("Transfer record invalid", "转移记录无效"),
    Code.ACK_MISSING: ("Transfer not acknowledged in time", "转移未在期限内确认"),
    Code.ACK_INVALID: ("Acknowledgement invalid", "确认记录无效"),
    Code.CHANGE_NOT_APPROVED: ("Change without the required approval", "变更未获批准"),
    Code.RECORD_DELETED: ("Record removed without disposition", "记录被删除且无合规处置"),
    Code.READ_RESTRICTED_PLAINTEXT: ("Restricted file stored readable", "限制阅读的文件以明文存储"),
    Code.HISTORY_REWRITTEN: ("History rewritten", "历史记录被改写"),
    Code.UNSAFE_PATH: ("Unsafe path", "不安全的路径"),
    Code.ROLE_CONFLICT: ("Roles that must be independent", "不相容岗位由同一人担任"),
    Code.SHARED_KEY: ("Key shared by several people", "多人共用签名密钥"),
    Code.TIME_INCONSISTENT: ("Time not consistent with the history", "时间与历史记录不一致"),
    Code.MALFORMED_COMMIT: ("Commit that cannot be read", "无法读取的提交"),
    Code.UNWITNESSED: ("Commit no server receipt covers", "无服务器接收凭证的提交"),
    Code.RECEIPT_INVALID: ("Server receipt log broken", "服务器接收凭证链损坏"),
    Code.RELEASE_INVALID: ("Batch release record invalid", "放行记录无效"),
}

WORDS: dict[str, tuple[str, str]] = {
    "commit": ("commit", "提交"),
    "signed_by": ("signed by", "签名人"),
    "unsigned": ("unsigned or unknown signer", "未签名或签名人未知"),
    "summary": ("Checked {commits} from trust root {root} to {tip}: {transfers}, {acks}, "
                "{pending} awaiting acknowledgement.",
                "已检查从信任根 {root} 到 {tip} 的 {commits} 个提交：转移 {transfers} 次，确认 "
                "{acks} 次，待确认 {pending} 次。"),
    "clean": ("No findings: every commit is signed by an authorised person and the register holds.",
              "未发现问题：每个提交均由授权人员签名，登记清单完整一致。"),
    "findings": ("{n} finding(s): {by_code}", "发现 {n} 个问题：{by_code}"),
    "received": ("received by the server at {when}", "服务器接收于 {when}"),
    "pushed_by": ("pushed by {who}", "推送人 {who}"),
    "unsigned_push": ("push not signed", "推送未签名"),
    "witness": ("witness", "见证服务器"),
    "no_receipts": ("No receipts: {ref} is not in this repository (fetch it: git fetch origin "
                    "{ref}:{ref}, or run techxfer hooks install).",
                    "没有接收凭证：本仓库中没有 {ref}（请获取：git fetch origin {ref}:{ref}，"
                    "或运行 techxfer hooks install）。"),
}


def title(code: Code, lang: str) -> str:
    return TITLES[code][1 if lang == "zh" else 0]


# English counts that take a noun: "1 commit", "2 commits" (Chinese has no plural).
COUNTED = {"commits": "commit", "transfers": "transfer", "acks": "acknowledgement"}


def counted(n: object, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def word(key: str, lang: str, **kwargs: object) -> str:
    if lang != "zh":
        kwargs = {k: counted(v, COUNTED[k]) if k in COUNTED else v for k, v in kwargs.items()}
    return WORDS[key][1 if lang == "zh" else 0].format(**kwargs)
