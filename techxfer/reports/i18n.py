"""Every word a person reads, in English and Chinese: the one catalogue.

- ``TITLES``: a finding code's title.
- ``MESSAGES``: the Chinese of each finding message, by the message id the rule gave it
  (``findings.msg``); the English is the rule's own template, and the finding's
  ``message`` (JSON keeps it).
- ``TERMS``: the words of the format (transfer types, actions, signature meanings, states,
  statuses, default roles, seats), by kind and their English word; a word the catalogue
  does not know (a role a company made up) is shown as it is written.
- ``WORDS`` and ``LABELS``: the sentences and headings of the reports and commands.

Arguments taken from the records (ids, names, paths, dates, hashes) are never
translated; text a lower layer words itself (a JSON Schema violation, a YAML error, a
signature library's reason) is quoted as it comes.
"""

from __future__ import annotations

import unicodedata

from techxfer.findings import BULLETS, LIST, PARTS, SEVERAL, Code, Finding, Msg

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
    # -- training --
    Code.TRAINING_INVALID: ("Training record invalid", "培训记录无效"),
    Code.UNTRAINED: ("Batch made by people not trained on a revision it cites",
                     "批记录的操作人员未接受所引用文件版本的培训"),
}

# The Chinese of each finding message, by message id. Field names are the English
# template's; ``{x!r}`` in English is written “{x}” here.
MESSAGES: dict[str, str] = {
    # signatures and keys (rules/signer.py)
    "signature.bad": "签名验证失败：{detail}",
    "signature.none": "该提交没有签名",
    "key.pgp_nobody": "使用了无人持有的 OpenPGP 密钥签名",
    "key.nobody": "签名密钥不属于现行参与方配置中的任何人员（{key}）",
    "key.several": "签名密钥登记在多人名下（{people}），无法确定签名人",
    "key.outside": "{who} 于 {when} 签名，但该密钥的有效期为 {window}",
    "key.window": "{start} 至 {end}",
    "key.always": "不限起始",
    "key.open": "长期有效",
    # time (rules/time.py, rules/receipts.py)
    "time.before_parent": "提交日期为 {own}，早于其父提交 {parent} 的日期 {when}：提交不能早于其父提交",
    "time.future": "提交日期为 {own}，晚于验证方的当前时间（{clock}）",
    "time.record_date": "记录的 {field} 为 {value}，但添加该记录的提交日期为 {own}",
    # history (audit/walk.py)
    "history.root_not_ancestor": "信任根 {root} 不是 {rev}（{tip}）的祖先：历史记录被改写，或这是另一个仓库",
    "history.second_root": "除信任根 {root} 之外出现了没有父提交的提交：此处开始了另一段历史，其中任何内容"
                           "（包括其 .techxfer/ 配置）均不可信",
    "commit.malformed": "git 无法按 techxfer 的读法读取该提交：{detail}",
    # files and the register (rules/register.py)
    "schema.problem": "不符合格式规范：{detail}",
    "file.unreadable": "文件无法读取：{detail}",
    "parties.role_conflict": ("{where} 同时担任生产管理部门负责人和质量管理部门负责人；"
                              "这两个岗位必须由不同人员担任"),
    "parties.bad_key": "{where}：{detail}",
    "parties.witness_twice": "witnesses[{i}]：编号“{id}”出现多次",
    "parties.shared_key": "密钥 {key} 登记在 {people} 名下；签名密钥只能属于一个人（或一个见证服务器）",
    "path.not_utf8": "文件名不是有效的 UTF-8 编码",
    "path.controls": "路径中含有控制字符（{chars}）",
    "path.case": "路径仅大小写不同：{paths}",
    "path.normalisation": ("按 Unicode 规范化（NFC/NFD）和大小写（macOS 的存储方式），"
                           "这些路径是同一个名称：{paths}"),
    "path.record_not_file": "记录文件是{kind}，而不是普通文件",
    "path.controlled_not_file": "受控路径是{kind}，而不是普通文件",
    "path.read_restricted": "{rule} 限定只有 {readers} 可以阅读，但任何能克隆本仓库的人都能读到该文件",
    "register.unlisted": "受控文件未登记在 {manifest} 中",
    "register.unlisted_nowhere": "受控文件未登记在任何清单中（其上级目录中没有 MANIFEST.yaml）",
    "register.duplicate_id": "编号“{value}”登记了多次：{places}",
    "register.duplicate_path": "路径“{value}”登记了多次：{places}",
    "register.wrong_manifest": "documents[{index}].path：{path} 由 {governing} 管辖，应登记在该清单中",
    "register.not_controlled": "documents[{index}].path：{path} 不是受控路径",
    "register.unknown_owner": "documents[{index}].owner：未知的参与方“{owner}”",
    "register.wrong_owner": ("documents[{index}].owner：写的是 {owner}，"
                             "但 {rule} 规定 {path} 的所有方是 {named}"),
    "register.unknown_class": "documents[{index}].retention：未知的保存类别“{cls}”",
    "register.destroyed_present": "documents[{index}]：{id} 已标记为销毁，但 {path} 仍然存在",
    "register.missing": "登记为 {id}（{where}），但文件不存在",
    "register.not_file": "登记为 {id}，但它是{kind}",
    "register.hash": ("文件内容的 SHA-256 {actual}… 与 {manifest} 中 {id} 第 {revision} 版"
                      "登记的值（{expected}…）不符"),
    "register.removed": "{id} 第 {revision} 版已从登记清单（{manifest}）中删除，但没有处置记录",
    "register.destroyed": "{id} 第 {revision} 版被销毁：{why}",
    # who may change what (rules/authorisation.py)
    "auth.entry": "{manifest} 中的登记条目 {id}",
    "auth.record_folder": "{what}：该目录只能存放{holds}；{rule} 不能允许其他文件（更改人 {who}）",
    "auth.no_rule": "{what}：没有任何策略规则覆盖该路径，因此任何人都无权更改（更改人 {who}）",
    "auth.not_allowed": "{what}：由 {who}（{roles}）更改；{rule} 只允许 {allowed}",
    "auth.nobody": "无人",
    "role.ref": "{party}的{role}",
    # records (rules/records.py)
    "record.about": "{id}：{detail}",
    "record.changed": "已签名的记录被修改；记录只能新增，不得修改或删除",
    "record.removed": "已签名的记录被删除；记录只能新增，不得修改或删除",
    "record.id_folder": "记录中的编号与其所在目录 {folder} 不一致",
    "record.id_file": "记录中的编号与其文件名 {path} 不一致",
    "record.signer": "记录写明签名人为 {named}，但实际由 {signer} 签名",
    "record.signed_by": "记录写明为 {named}，但实际由 {who} 签名",
    "record.made_by": "记录写明由 {named} 作出，但实际由 {who} 签名",
    "hold.not_allowed": "法律保留（冻结）只能由 {roles} 设置和解除，{who} 无此权限",
    "hold.deleted": "法律保留（冻结）记录被删除；冻结只能解除（techxfer hold release），不得删除",
    "hold.changed": "法律保留（冻结）记录只能解除，不得作其他修改",
    "transfer.sender": "以 {sender} 的名义发出，但由 {who} 签名",
    "transfer.role": "{who} 不担任可发出{type}转移的岗位",
    "transfer.parties": "从 {sender} 到 {recipient}：转移必须从一方交给另一方",
    "transfer.config_digest": "配置摘要与本提交的 .techxfer/ 文件不一致",
    "transfer.item_unlisted": "文件 {id}（{path}）在本提交的登记清单中不存在",
    "transfer.item_revision": ("文件 {id} 记为第 {revision} 版 {sha256}…，"
                               "登记清单中为第 {listed} 版 {listed_sha256}…"),
    "transfer.item_content": "文件 {id}：{path} 在本提交中的内容与转移的内容不一致",
    "transfer.item_owner": "文件 {id} 归属 {owner}，而不是转出方 {sender}",
    "transfer.digest": "manifest_digest 与转移的登记条目不一致",
    "ack.party_name": "记录写明参与方为 {party}，但其文件名为 {named}",
    "ack.no_transfer": "所确认的转移在此之前没有记录",
    "ack.wrong_party": "由 {party} 确认，但该转移的接收方是 {recipient}",
    "ack.own_transfer": "由 {party} 确认，但该转移的接收方是 {recipient}（一方不能确认自己发出的转移）",
    "ack.binding": "绑定的是提交 {commit} / 摘要 {digest}…，但该转移是提交 {sent} / {sent_digest}…",
    "ack.role": "{who} 不担任任何确认岗位",
    "ack.missing": "{tx} 于 {sent} 转移给 {recipient}，未在 {days} 天内确认",
    "ack.late": "{tx} 于 {sent} 转移给 {recipient}，直到 {when} 才确认，超过了 {days} 天的期限",
    "disposition.changed": "处置记录被修改；处置记录须保存，不得修改或删除",
    "disposition.removed": "处置记录被删除；处置记录须保存，不得修改或删除",
    "disposition.twice": "{id} 列出了多次",
    "disposition.not_destroyed": "列出的 {id}（{path}）并未在本提交中销毁",
    "disposition.other_entry": ("将 {id} 记为 {path} 第 {revision} 版 {sha256}…，"
                                "但登记清单销毁的是 {old_path} 第 {old_revision} 版 {old_sha256}…"),
    "disposition.may_not_write": "{who} 无权写入 {path}，因此不能记录 {id} 已销毁",
    "distribution.changed": "分发记录被修改；分发记录须保存，不得修改",
    "distribution.removed": "分发记录被删除；分发记录须保存，不得修改",
    "distribution.role": "{who} 不担任可记录分发的岗位（{roles}）",
    "distribution.recipient": "接收方 {recipient} 不是参与方",
    "distribution.source": "副本取自提交 {commit}，但该提交不在本记录之前的历史中",
    "distribution.number": "副本编号 {number} 不是 {id} 下的唯一编号",
    "distribution.unlisted": "副本 {number}：{id}（{path}）不在副本所取自提交的登记清单中",
    "distribution.revision": "副本 {number}：{id} 第 {revision} 版 {sha256}… 与登记清单的第 {listed} 版 "
                             "{listed_sha256}… 不符",
    "distribution.status": "副本 {number}：{id} 第 {revision} 版状态为{status}，却作为受控副本发放",
    "distribution.unstamped": "副本 {number}：未加盖受控印章的副本，其内容与原件不同",
    "distribution.owner": "副本 {number}：{id} 归属 {owner}，且未注明向 {recipient} 的转移",
    "distribution.not_carried": "副本 {number}：转移 {tx} 并未将 {id} 第 {revision} 版交给 {recipient}",
    "distribution.not_held": "副本 {number}：{id} {why}",
    "transfer.termination_left": "终止转移应收回 {recipient} 持有的全部文件，但遗漏了 {left}",
    "disposal.no_record": "同一提交中没有列出它的处置记录",
    "disposal.not_noticed": "销毁通知 {notice} 未列出该记录",
    "disposal.other_approval": "处置记录引用的批准与该通知的确认不是同一个",
    "disposal.and": "{first}；{then}",
    "config.not_in_force": "该配置变更未生效：{why}",
    "config.never_sent": "从未提交对方批准",
    "config.rejected": "已被拒绝",
    "config.late": "未在期限内获批准",
    "change.not_approved": "{id} 第 {revision} 版需要对方批准，但 {days} 天后仍未获批准",
    # may this record be destroyed (rules/retention.py)
    "disposal.already": "已销毁",
    "disposal.held": "处于法律保留（冻结）{holds} 之下",
    "disposal.merged_over_hold": "{id} 第 {revision} 版在本次合并的另一侧被销毁，合并将其带入一条"
                                 "使其{held}的分支（该冻结在两条分支分开后设置）",
    "disposal.permanent": "保存类别 {cls}：永久保存",
    "disposal.end_unknown": "无法确定保存期限的截止日期：{why}",
    "disposal.retained": "须保存至 {end}（{why}）",
    "disposal.no_notice": "没有列出该记录的销毁通知（techxfer dispose request）",
    "disposal.unanswered": "销毁通知 {notice} 尚未答复",
    "disposal.answered": "销毁通知 {notice} 的答复为“{meaning}”，而非批准",
    "disposal.no_registrant": "该通知未经注册人",
    "retention.permanent": "永久保存",
    "retention.no_rule": "保存类别 {cls} 没有规则；在设定规则之前一直保存",
    "retention.years": "{n} 年",
    "retention.lifetime": "器械使用期限",
    "retention.no_lifetime": "repo.yaml 中未设定器械使用期限",
    "retention.waiting": "等待其{event}日期（自该日期起保存{period}）",
    "retention.from": "自{event}日期 {date} 起保存{period}",
    "retention.unknown_class": "未知的保存类别 {cls}",
    # the server's receipt log (rules/receipts.py, rules/push_certificate.py)
    "receipt.unsigned": "接收凭证未签名：接收凭证只能由服务器的见证密钥写入",
    "receipt.not_ssh": "接收凭证不是用 SSH 密钥签名的，而见证服务器使用 SSH 密钥签名",
    "receipt.bad_signature": "接收凭证的签名验证失败：{detail}",
    "receipt.chain_broken": "接收凭证链已断开：{detail}",
    "receipt.parents": "接收凭证有 {n} 个父提交：凭证链只能是一条链，每个凭证接在前一个之后",
    "receipt.unreadable": "无法读取的接收凭证：{detail}",
    "receipt.time_back": "服务器时间倒退：{when}，而前一个凭证为 {previous}",
    "receipt.gap": "{ref} 从 {last} 变为 {old} 却没有接收凭证：凭证链有缺口",
    "receipt.rewritten": "接收凭证链被改写：本机之前审计时看到的链尾 {last} 已不在链中（接收凭证链只能增长）",
    "receipt.unknown_witness": "接收凭证的签名密钥不是现行参与方配置中的见证服务器（{key}）",
    "receipt.witness_key": "见证服务器 {id} 于 {when} 签署接收凭证，但其密钥有效期为 {window}",
    "receipt.none": "没有服务器见证的接收凭证能证明该提交何时进入受保护分支",
    "receipt.dated_after": "提交日期为 {own}，晚于服务器接收时间 {when}（接收凭证 {receipt}）",
    "push.nonce": "推送证书的随机数状态为 {status}，而非 OK：可能是对其他推送的重放",
    "push.other_key": "推送证书由 {key} 签名，而不是接收凭证所记的密钥（{named}）",
    "push.bad_signature": "推送证书的签名验证失败：{detail}",
    "push.unsigned_updates": "推送人未在推送证书中签署以下更新：{refs}",
    "push.no_signature": "推送证书没有签名",
    "push.problem": "{detail}",
    # who may sign which meaning (rules/meanings.py)
    "meaning.no_role": "无岗位",
    "meaning.not_carried": "{who}（{roles}）无权签署“{meaning}”：策略的 meanings.{key} 只列出 {signers}",
    "meaning.returned_misplaced": "“{returned}”只用于确认终止转移；{tx} 是{type}转移",
    "meaning.needs": "{tx}（{type}）需要由 {signers} 签署“{needed}”",
    "meaning.needs_decision": "{tx}（{type}）需要由 {signers} 签署“{needed}”（或“{rejected}”）",
    "meaning.refused": "{problem}；{need}",
    "meaning.not_settled": "“{meaning}”不能了结该转移：{need}",
    "meaning.awaits": "等待 {recipient} 确认（{tx}，发出于 {sent}）",
    "meaning.rejected": "已被 {recipient} 拒绝（{tx}）",
    "meaning.signer_roles": "由 {who} 确认为“{meaning}”，但其岗位无权签署该含义（{tx}）",
    "meaning.only_as": "仅确认为“{meaning}”；{tx} 需要“{approved}”",
    # controlled copies (rules/copies.py)
    "copies.not_transferred": "第 {revision} 版未转移给 {recipient}",
    "copies.withdrawn": "已由 {tx}（{type}，{date}）从 {recipient} 撤回",
    "copies.other_revision": ("第 {revision} 版不是 {recipient} 收到的版本：最近一次转移 {tx} "
                              "交付的是第 {carried} 版"),
    "copies.unsettled": "第 {revision} 版{why}",
    "copies.not_issued": ("收回的副本 {copy}（{id} 第 {revision} 版）并非此前的分发记录"
                          "发给 {recipient} 的副本"),
    "copies.returned_twice": "副本 {copy} 被第二次记为收回",
    # batch release (rules/release.py)
    "release.wrong_party": "{step}应由{seat} {party} 签署，而不是 {who}",
    "release.role": "{who}（{roles}）无权为{step}签署“{meaning}”；须由 {allowed} 签署",
    "release.nobody": "无人担任的岗位",
    "release.signed_by": "记录写明由 {named} 放行，但实际由 {who} 签名",
    "release.not_release_role": "记录写明的岗位 {role} 不是 {who} 的放行岗位",
    "release.unlisted": "列出的 {id}（{path}）不在登记清单中",
    "release.record_differs": ("将 {id} 列为 {path} 第 {revision} 版 {sha256}…，但登记清单中为 "
                               "{listed_path} 第 {listed} 版 {listed_sha256}…"),
    "release.not_effective": "列出的 {id} 第 {revision} 版状态为{status}，而非生效",
    "release.record_not_listed": "批次 {batch} 的批记录 {id}（{path}）未列出",
    "release.open_deviation": "存在未关闭的偏差 {id} 第 {revision} 版时放行：注册人尚未批准该版偏差报告",
    "release.deviation_not_closed": ("将偏差 {id} 第 {revision} 版列为已由 {tx} 关闭，"
                                     "但登记清单及其批准记录并非如此"),
    "release.deviation_not_listed": "批次 {batch} 的偏差 {id} 未列出",
    "release.record_changed": ("批次 {batch} 生产放行（提交 {commit}）后，批记录 {id} 被修改："
                               "放行的是第 {revision} 版 {sha256}…，现为第 {now} 版 {now_sha256}…"),
    "release.before_production": "批次 {batch} 在生产放行（{path}）之前上市放行",
    "release.binding": ("绑定的是提交 {commit} 中的 {path}（{sha256}…），但生产放行记录是提交 "
                        "{released_commit} 中的 {released}（{released_sha256}…）"),
    "release.changed": "放行记录被修改；放行记录须保存，不得修改或删除",
    "release.removed": "放行记录被删除；放行记录须保存，不得修改或删除",
    "release.batch_folder": "记录中的批号 {batch} 与其所在目录 {folder} 不一致",
    "release.batch": "批次 {batch}：{problem}",
    # duty records (rules/duties.py)
    "duty.role_not_held": "以 {role} 身份签署，但 {who} 不担任该岗位",
    "duty.not_allowed": "{kind}记录应由 {allowed} 签署，而不是以 {role} 身份签署的 {who}",
    "duty.subject_unknown": "被审核方 {subject} 不是参与方",
    "duty.subject_own": "对另一方质量管理体系的审核却将本方（{party}）列为被审核方",
    "duty.performed_after": "实施日期为 {performed}，晚于记录的签署日期（{signed}）",
    "duty.submitted_after": "报送日期为 {submitted}，晚于记录的签署日期（{signed}）",
    "duty.period": "{period} 年度的记录实施于 {year} 年，早于该年度开始",
    "duty.report_unlisted": "报告 {report} 不在登记清单中",
    "duty.document_unlisted": "所评审的文件 {id} 不在登记清单中",
    "duty.document_revision": "评审的是 {id} 第 {revision} 版，但登记清单中为第 {listed} 版",
    "duty.changed": "义务记录被修改；审核、自查和评审记录须保存，不得修改",
    "duty.removed": "义务记录被删除；审核、自查和评审记录须保存，不得修改",
    # the signature trail (reports/history.py)
    "trail.sent": "{tx}（{type}，{n} 个文件）转移给 {to}",
    "trail.acked": "{tx}，来自 {sender}",
    # -- re-release after rework (release2) --
    "release.supersedes_nothing": "声明取代提交 {commit} 中的{step}记录，但批次 {batch} 此前没有该记录",
    "release.supersedes": ("声明取代的放行记录为提交 {commit}（{sha256}…），但现行放行记录记录于提交 "
                           "{in_force}（{in_force_sha256}…）"),
    "release.rework_no_deviation": "返工后的重新放行未列出自被取代的放行（提交 {commit}）以来关闭的任何偏差",
    "release.market_again": "再次上市放行，但被取代的上市放行所绑定的生产放行（提交 {commit}）仍然现行",
    # -- training --
    "meaning.trained_misplaced": "“{trained}”应在培训记录中签署（techxfer train），而不是在对 {tx} "
                                 "的确认中",
    "training.file_name": "记录所述为 {named}，但其文件名 {path} 所指不同",
    "training.signed_by": "记录的是 {named} 的培训，却由 {who} 签名：每人须本人签署",
    "training.role_not_held": "以 {role} 身份签署，但 {who} 不担任该岗位",
    "training.meaning": "{who} 以 {role} 身份签署，而策略的 meanings.trained 未列出该岗位（{signers}）",
    "training.unlisted": "{id} 不在登记清单中",
    "training.revision": "培训的是 {id} 第 {revision} 版 {sha256}…，但登记清单中为第 {listed} 版 "
                         "{listed_sha256}…",
    "training.changed": "培训记录被修改；培训记录须保存，不得修改",
    "training.removed": "培训记录被删除；培训记录须保存，不得修改",
    "training.unknown_maker": "{batch} 第 {rev} 版引用了 {cited}，操作人员 {who} 不是 {party} 的登记人员："
                              "无法证明其已接受培训",
    "training.untrained": "{batch} 第 {rev} 版引用了 {cited}，由 {who}（{roles}）操作，但在此历史中"
                          "此人没有该版本的有效培训记录（{path}）",
    # -- lifecycle: approval before use, change requests (rules/lifecycle.py) --
    "lifecycle.role_not_held": "以 {role} 身份签署，但 {who} 不担任该岗位",
    "lifecycle.role_no_meaning": "以 {role} 身份签署，该岗位不具有“{meaning}”签署权：策略的 "
                                 "meanings.{key} 规定为 {signers}",
    "lifecycle.not_owner": "{id} 的所有方为 {owner}；其版本由 {owner} 的 {signers} 批准，而不是 {who}",
    "lifecycle.approval_file": "记录批准的是 {id} 第 {revision} 版，但其文件名为 {path}",
    "lifecycle.approval_unlisted": "所批准的 {id} 不在登记清单中",
    "lifecycle.approval_content": "批准的是 {id} 第 {revision} 版 {sha256}…，但登记清单中为第 "
                                  "{listed} 版 {listed_sha256}…",
    "lifecycle.approval_party": "由 {party} 批准，但 {id} 的所有方为 {owner}",
    "lifecycle.implemented_folder": "记录所指转移为 {named}，却位于 {tx} 的目录中",
    "lifecycle.not_a_request": "{tx} 不是已记录的变更申请",
    "lifecycle.implemented_binding": "绑定的提交为 {commit}，但变更申请的提交为 {sent}",
    "lifecycle.implemented_party": "由 {party} 确认实施，但 {tx} 应由 {implementer} 实施",
    "lifecycle.implemented_first": "在 {recipient} 批准变更申请之前即确认实施：{why}",
    "lifecycle.request_not_draft": "变更申请只提出草稿版本；{id} 第 {revision} 版为{status}",
    "lifecycle.draft_transferred": "{id} 第 {revision} 版为草稿；草稿只能以{request}转移",
    "lifecycle.effective_unapproved": "{id} 第 {revision} 版未经所有方批准该内容即生效（{rule} "
                                      "规定 approval: required；techxfer approve）",
    "lifecycle.approval_void": "{id} 第 {revision} 版依据一项无效的批准而生效",
    "lifecycle.effective_requested": "{id} 第 {revision} 版生效：{why}",
    "lifecycle.cited_requested": "{id} 引用了 {cited}：{why}",
    "lifecycle.request_content": "其内容与变更申请 {tx} 所提出的不同",
    "lifecycle.request_rejected": "变更申请 {tx} 已被 {recipient} 拒绝",
    "lifecycle.request_unapproved": "该提交的历史中没有 {recipient} 对变更申请 {tx} 的批准",
    "trail.approved": "{id} 第 {revision} 版，{date} 生效",
    "trail.implemented": "{tx}，自批次 {batch} 起实施",
    "meaning.implemented_misplaced": "“{implemented}”以 techxfer implemented 确认，而不是作为确认签署",
    # -- lifecycle attacks --
    "lifecycle.uses_unreadable": "{id}：{value} 不是每项一个 DOC-ID@REVISION：无法对照变更申请核查"
                                 "其所依据的版本",
    "lifecycle.request_met": "{id} 在提交 {commit} 中{what}，在此与其变更申请 {tx} 相遇：{why}",
    "lifecycle.made_effective": "生效",
    "lifecycle.cited": "引用了 {cited}",
    "lifecycle.request_relettered": "其内容即变更申请 {tx} 以另一版本号提出的内容：{why}",
    # -- command refusals (techxfer: error: …; commands/) --
    "refuse.signing_key": "您的签名密钥：{problem}",
    "refuse.signing_key_unknown": "请质量负责人将其登记（techxfer person add）",
    "refuse.ids_and_changed": "请给出文件编号或 --changed，不能两者都给",
    "refuse.termination_args": "终止转移撤回受托方持有的全部文件；请不要给出文件编号或 --changed",
    "refuse.termination_missing": "{ids}：受托方仍持有，但已不在清单中",
    "refuse.termination_nothing": "终止：受托方未持有您方的任何文件",
    "refuse.changed_stale": "--changed：{docs} 登记后已被修改；请先登记新版本（techxfer add），"
                            "或点名转移其余文件",
    "refuse.changed_nothing": "--changed：自上次转移以来没有任何变化",
    "refuse.no_ids": "请点名要转移的文件（编号），或给出 --changed",
    "refuse.unknown_ids": "未知的文件编号：{ids}",
    "refuse.already_transferred": "{id} 第 {revision} 版已以相同内容转移过；请先登记新版本（techxfer add）",
    "refuse.no_send_role": "{who} 不担任可发送{type}转移的岗位（{roles}）",
    "refuse.unknown_to": "--to：未知的参与方“{party}”",
    "refuse.to_itself": "--to {party}：参与方不能向自己转移",
    "refuse.policy_change_docs": "配置变更转移携带的是配置的改动，而不是文件",
    "refuse.policy_change_nothing": "配置变更：{folder}/ 下及管理文件（{files}）均无未提交的改动",
    "refuse.not_owner": "{id} 的所有方是 {owner}；只有所有方可以转移它",
    "refuse.request_drafts_only": "{id} 第 {revision} 版的状态为{status}：{type}只提出草稿",
    "refuse.draft_transferred": "{id} 第 {revision} 版是草稿：转移只携带已生效的版本（请先批准："
                                "techxfer approve），草稿只能以 --type {type} 提出",
    "refuse.may_not_change": "按现行配置，{who} 无权更改 {path}",
    "refuse.doc_missing": "{id}：{path} 缺失",
    "refuse.doc_changed": "{id}：{path} 与 {manifest} 中登记的 SHA-256 不符；请先登记改动（techxfer add）",
    "refuse.manifest_pending": "{manifests} 中还有对 {ids} 的未提交改动；请一并转移，或先提交",
    "refuse.no_transfer": "没有已提交的转移 {tx}（HEAD 中没有 {path}）",
    "refuse.own_transfer": "{tx} 发给的是 {recipient}；{who} 不能确认（参与方不能确认自己的转移）",
    "refuse.not_recipient": "{tx} 发给的是 {recipient}；{who} 不能确认",
    "refuse.no_ack_role": "{who} 不担任确认岗位（{roles}）",
    "refuse.already_acknowledged": "{tx} 已由 {party} 确认（{path}）",
    "refuse.no_transfer_commit": "找不到记录 {tx} 的提交",
    "refuse.not_a_repository": "{path}：不是 git 仓库",
    "refuse.not_a_repository_hint": "请在您的 techxfer 仓库内运行 techxfer，或用 `techxfer init` 新建一个",
    "refuse.path_outside": "{path}：在仓库 {root} 之外",
    "refuse.path_root": "{path}：是仓库本身，不是文件",
    "refuse.path_symlink": "{path}：经过符号链接 {link}；受控文件必须是普通文件",
    "refuse.path_not_utf8": "“{path}”：文件名不是有效的 UTF-8",
    "refuse.path_in_git": "{path}：位于 .git 之内",
    "refuse.add_record": "{path}：是 techxfer 的记录或清单，不是受控文件",
    "refuse.add_batch": "--batch：“{batch}”不是批号（字母、数字、“.”、“_”或“-”，最多 64 个）",
    "refuse.add_not_controlled": "{path}：配置将此路径标为非受控",
    "refuse.add_no_file": "{path}：没有此文件（或被 .gitignore 忽略）",
    "refuse.add_not_file": "{path}：是{kind}；受控文件必须是普通文件",
    "refuse.add_no_manifest": "{path}：所在文件夹及其上级都没有 MANIFEST.yaml；"
                              "请运行 techxfer init 或新建一个",
    "refuse.add_broken_manifest": "{manifest}：清单已损坏，不能登记：{problem}",
    "refuse.add_no_owner": "{path}：没有配置规则指定所有方；请给出 --owner",
    "refuse.add_unknown_owner": "--owner：未知的参与方“{party}”",
    "refuse.add_other_owner": "--owner：{rule} 规定 {path} 的所有方是 {named}，而不是 {owner}",
    "refuse.add_unknown_class": "--retention：未知的保存类别“{cls}”；已知：{known}",
    "refuse.add_id_used": "编号 {id} 已用于 {path}（{where}）",
    "refuse.add_path_listed": "{path} 已登记为 {id}（{where}）",
    "refuse.unknown_id_head": "未知的文件编号“{id}”（HEAD 的清单中没有）",
    "refuse.other_revision": "--revision {asked}：清单中 {id} 为第 {revision} 版",
    "refuse.approver": "{id} 第 {revision} 版：{problem}",
    "refuse.approve_not_draft": "{id} 第 {revision} 版的状态为{status}；只能批准草稿（将新版本登记为草稿："
                                "techxfer add … --status draft）",
    "refuse.already_approved": "{id} 第 {revision} 版已批准（{path}）",
    "refuse.approve_changed": "{id}：{path} 与 HEAD 中 {manifest} 登记的 SHA-256 不符；请先登记并提交",
    "refuse.approve_manifest_pending": "{manifest} 有未提交的改动；请先提交或放弃（批准会提交该清单）",
    "refuse.request_unapproved": "{id} 第 {revision} 版由变更申请 {ids} 提出，其接收方尚未以此内容批准",
    "refuse.first_batch": "--first-batch：“{batch}”不是批号（字母、数字、“.”、“_”或“-”，最多 64 个）",
    "refuse.implemented_type": "{tx} 是{type}转移；只有变更申请才确认实施",
    "refuse.implemented_unapproved": "{tx}：{why}；变更须经批准后才能实施（{path}）",
    "refuse.already_implemented": "{tx} 已确认实施（{path}）",
    "refuse.implementer": "{tx} 由 {party} 实施；{who} 不能确认",
    "refuse.release_records": "--record：HEAD 的清单中没有：{ids}",
    "refuse.release_no_records": "HEAD 的清单中没有批次 {batch} 的记录",
    "refuse.release_no_records_hint": "以 x-batch: {batch} 或以 -{batch} 结尾的编号登记，"
                                      "或用 --record ID 点名",
    "refuse.market_released": "批次 {batch} 已有上市放行（{path}），与现行的生产放行绑定；"
                              "放行记录只有在返工并重新生产放行后才能被取代",
    "refuse.batch_number": "批号“{batch}”：只能使用字母、数字、“.”、“_”或“-”（最多 64 个）",
    "refuse.released": "批次 {batch} 已有{step}（{path}）；放行记录从不被替换，"
                       "返工后的重新放行（--rework）除外",
    "refuse.release_uncommitted": "{path} 已存在但未提交；放行记录只能由 techxfer release 写入：请先删除它",
    "refuse.rework_nothing": "--rework：批次 {batch} 没有可取代的生产放行（{path} 未提交）",
    "refuse.release_changed": "{path} 有未提交的改动；请先恢复（git restore {path}）",
    "refuse.release_comment": "-m：请写明审核了什么（放行意见会被记录）",
    "refuse.release": "不能放行批次 {batch}（{step}）；未写入任何内容：{reasons}",
    "refuse.train_revision": "{id} 第 {asked} 版不是现行版本：清单中为第 {revision} 版（{status}）",
    "refuse.train_not_effective": "{id} 第 {revision} 版的状态为{status}：培训只记录在已生效的版本上",
    "refuse.train_not_required": "配置的 training: 没有为类别“{category}”（{id}）指定岗位：无需培训",
    "refuse.train_roles": "{who} 不担任 training.{category} 指定的任何岗位（{roles}）",
    "refuse.train_meaning": "{who}（{roles}）不能签署“{meaning}”：配置的 meanings.trained 未列出这些岗位",
    "refuse.already_trained": "{who} 已有 {id} 第 {revision} 版的培训记录（{path}）",
    "refuse.training": "培训记录被拒绝：{problems}",
    "refuse.hold_args": "请给出 --match PATTERN 或 --id ID（或两者）",
    "refuse.hold_place": "{who} 无权设置法律保全（hold_roles：{roles}）",
    "refuse.hold_release": "{who} 无权解除法律保全",
    "refuse.no_hold": "没有已提交的法律保全 {hold}",
    "refuse.hold_released": "{hold} 已于 {date} 解除",
    "refuse.init_same_party": "--registrant 与 --manufacturer 必须是不同的参与方",
    "refuse.init_exists": "{path}：已存在；这已是一个 techxfer 仓库",
    "refuse.init_not_dir": "{path}：已存在且不是文件夹",
    "refuse.key_nobody": "{path}：{parties} 中没有任何人登记了此密钥",
    "refuse.key_nobody_hint": "请先登记：techxfer person add PARTY PERSON --name N --role R --key FILE.pub"
                              "（然后提交该改动）",
    "refuse.key_shared": "{path}：此密钥登记给了 {who}；签名密钥只能属于一个人"
                         "（techxfer check 报告为 SHARED_KEY）",
    "refuse.unknown_party": "未知的参与方“{party}”；已知：{known}",
    "refuse.person_no_role": "{who} 是新登记人员：请至少给出一个 --role（或 --custom-role）",
    "refuse.person_both_heads": "{who} 将同时担任生产负责人和质量负责人；这两个岗位必须由不同的人担任",
    "refuse.key_listed": "{path}：此密钥已登记给 {who}",
    "refuse.key_listed_other": "{path}：此密钥已登记给 {who}；签名密钥只能属于一个人",
    "refuse.no_notice": "未发出销毁通知：{records}",
    "refuse.record_kept": "{id}：{why}",
    "refuse.no_notice_hint": "如需在保存期满前准备通知，请加 --before-end（期满前仍不得销毁这些记录）",
    "refuse.may_not_destroy": "不得销毁：{records}",
    "refuse.may_not_remove": "{who} 无权删除 {path}",
    "refuse.no_commits": "仓库还没有任何提交",
    "refuse.export_folder": "{path}：已存在且不是空文件夹；请给出一个新的",
    "refuse.config_unreadable": "已提交的配置无法读取；请运行 techxfer check",
    "refuse.unknown_party_option": "--party：未知的参与方“{party}”",
    "refuse.returned_needs_record": "--returned 需要 --record：归还要记录在仓库中",
    "refuse.no_distribution_role": "{who} 无权记录分发（distribution_roles：{roles}）；未导出任何内容",
    "refuse.returned_unknown": "--returned {copy}：没有任何已记录的分发把此编号的副本交给 {recipient}",
    "refuse.returned_twice": "--returned {copy}：已记录为归还",
    "refuse.unknown_duty": "未知的职责“{kind}”（应为 {kinds} 之一）",
    "refuse.no_duty_role": "{who} 不担任可签署{kind}记录的岗位（{roles}）",
    "refuse.duty_document": "--document：未知的文件编号 {id}",
    "refuse.review_documents": "文件定期评审须写明所评审的文件（--document ID）",
    "refuse.self_inspection": "自查报告记录须写明所自查的年度（--period）"
                              "及报告报送监管部门的日期（--submitted）",
    "refuse.nobody": "无人",
    "refuse.duty_record": "{kind}记录被拒绝：{problems}",
    "refuse.stale_owner": "{id}：配置规定 {path} 的所有方是 {named}，清单中却是 {owner}；"
                          "请先以其所有方重新登记（techxfer add {path} …）",
    "refuse.add_same_revision": "{path}：内容已改变但版本仍为 {revision}；请给出新的 --revision"
                                "（受控文件的版本标识其内容）",
}

# The words of the format, by kind, then by their English word.
TERMS: dict[str, dict[str, str]] = {
    "type": {"initial": "首次转移", "change": "变更", "withdrawal": "撤回",
             "disposal-notice": "销毁通知", "policy-change": "配置变更",
             "termination": "终止（归还全部文件）", "deviation": "偏差报告", "complaint": "投诉",
             "adverse-event": "不良事件", "quality-data": "质量数据",
             "inspection-report": "监管检查报告"},
    "action": {"add": "新增", "revise": "修订", "withdraw": "撤回"},
    "meaning": {"received": "已接收", "reviewed": "已审核", "approved": "已批准",
                "rejected": "已拒绝", "returned": "已归还", "released": "已放行",
                "sent (authorship)": "转出（编制）",
                "authored (commit)": "提交（编制）"},
    "state": {"pending": "待确认", "overdue": "逾期未确认", "received": "已接收",
              "reviewed": "已审核", "approved": "已批准", "rejected": "已拒绝",
              "returned": "已归还", "retain": "保存中", "eligible": "可销毁", "held": "冻结中",
              "destroyed": "已销毁"},
    "status": {"draft": "草稿", "effective": "生效", "obsolete": "作废", "destroyed": "已销毁",
               "superseded": "已被取代",
               "verified": "已验证", "after a broken receipt": "位于损坏的凭证之后"},
    "kind": {"symlink": "符号链接", "other": "特殊文件"},
    "step": {"production": "生产放行", "market": "上市放行"},
    "duty": {"supplier-audit": "对受托生产企业的质量管理体系审核",
             "self-inspection": "年度自查报告",
             "agreement-review": "质量协议年度评价", "document-review": "文件定期评审",
             "management-review": "管理评审"},
    "date": {"released": "放行", "effective": "生效", "obsolete": "作废", "created": "创建"},
    "event": {"commit": "提交", "transfer": "转移", "acknowledgement": "确认"},
    "seat": {"registrant": "注册人", "manufacturer": "受托生产企业"},
    "unit": {"commits": "个提交", "documents": "份文件"},
    "role": {"legal-representative": "法定代表人", "principal": "企业负责人",
             "management-representative": "管理者代表", "production-head": "生产管理部门负责人",
             "quality-head": "质量管理部门负责人", "release-reviewer": "产品放行审核人",
             "rd-engineer": "研发工程师", "doc-control": "文件管理员"},
}
# -- training --
TERMS["meaning"]["trained"] = "已培训"
# -- lifecycle: approval before use, change requests --
TERMS["type"]["change-request"] = "变更申请"
TERMS["meaning"]["implemented"] = "已实施"
TERMS["state"]["implemented"] = "已实施"
TERMS["event"]["approval"] = "批准"
TERMS["event"]["implementation"] = "实施确认"

WORDS: dict[str, tuple[str, str]] = {
    "error": ("error", "错误"),  # a command that stopped: ``techxfer: error: …``
    "error.hint": ("hint: ", "提示："),
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
    # techxfer dispose: what was removed, and where the content still is
    "dispose_done": ("Disposition {disp} recorded ({path}) in signed commit {commit}.",
                     "处置记录 {disp} 已登记（{path}），签名提交 {commit}。"),
    "dispose_removed": ("Removed from the current tree: {path} ({id} rev {rev}).",
                        "已从当前版本树中删除：{path}（{id} 版本 {rev}）。"),
    "dispose_register": ("Register entry {id} rev {rev} kept in {manifest}, marked destroyed.",
                         "登记清单 {manifest} 中保留 {id} 版本 {rev} 的条目，标记为已销毁。"),
    "dispose_not_gone": ("The content is NOT gone: the Git history still holds it, in this "
                         "repository, on the server and in every clone and backup:",
                         "内容并未消失：Git 历史中仍保存着这些内容（本仓库、服务器以及每个克隆和"
                         "备份中）："),
    "dispose_current": ("{id} rev {rev}: blob {blob}, in every commit from {since} to {last}.",
                        "{id} 版本 {rev}：blob {blob}，存在于从 {since} 到 {last} 的每个提交中。"),
    "dispose_older": ("{id} rev {rev} (superseded by rev {by}): blob {blob}, from commit {since} "
                      "until {until}; a record of its own: {state}, retention end {end}.",
                      "{id} 版本 {rev}（已被版本 {by} 取代）：blob {blob}，自提交 {since} 至 "
                      "{until}；本身仍是记录：状态 {state}，保存期限 {end}。"),
    "dispose_lfs": ("its content is the Git LFS object {oid}: it stays in the LFS store until "
                    "deleted there (on the server and in every clone).",
                    "其内容为 Git LFS 对象 {oid}：在 LFS 存储中删除之前一直保留（服务器及每个"
                    "克隆）。"),
    "dispose_rewrite": ("To remove it from the history, every commit from {first} on must be "
                        "rewritten, on the server and in every clone and backup: the protected "
                        "branches refuse the forced push, the rewritten commits lose their "
                        "signatures (verify reports them) and their server receipts "
                        "(UNWITNESSED), and verify reports HISTORY_REWRITTEN where the rewrite "
                        "reaches the trust root. Never rewrite away a revision still retained "
                        "or held.",
                        "若要从历史中删除，须在服务器及每个克隆和备份中改写自 {first} 起的每个"
                        "提交：受保护分支拒绝强制推送，改写后的提交失去签名（verify 会报告）和"
                        "服务器接收凭证（UNWITNESSED），改写涉及信任根时 verify 报告 "
                        "HISTORY_REWRITTEN。仍在保存期内或被冻结的版本不得被改写删除。"),
    "page": ("Page {n} of {total}", "第{n}页/共{total}页"),
    # techxfer duties and techxfer people
    "duties.supplier-audit": ("audit of the manufacturer's quality system",
                              "对受托生产企业的质量管理体系审核"),
    "duties.self-inspection": ("yearly self-inspection report", "年度自查报告"),
    "duties.agreement-review": ("yearly review of the quality agreement", "质量协议年度评价"),
    "duties.document-review": ("periodic document review", "文件定期评审"),
    "duties.management-review": ("management review", "管理评审"),
    "duties.acknowledgement": ("acknowledgement of a transfer", "转移确认"),
    "duties.done": ("done", "已完成"),
    "duties.late": ("done late", "逾期完成"),
    "duties.overdue": ("OVERDUE", "已逾期"),
    "duties.due": ("due", "即将到期"),
    "duties.upcoming": ("upcoming", "未到期"),
    "duties.title": ("Duties as of {as_of} (records at commit {commit}; agreement since {start})",
                     "截至 {as_of} 的义务（记录取自提交 {commit}；协议始于 {start}）"),
    "duties.header": ("state|due|duty|owed by|for|done by|clause",
                      "状态|期限|义务|义务方|对象|完成记录|依据"),
    "duties.none_open": ("Nothing due or overdue.", "没有到期或逾期的义务。"),
    "duties.open": ("{overdue} overdue, {due} due within the next {days} days.",
             "已逾期 {overdue} 项，{days} 天内到期 {due} 项。"),
    "duties.people_title": ("Key positions as of {as_of} (configuration in force from {since}, commit "
                     "{commit})", "截至 {as_of} 的关键岗位（配置自 {since} 起生效，提交 {commit}）"),
    "duties.people_header": ("party|position|held by", "企业|岗位|任职人员"),
    "duties.vacant": ("vacant", "空缺"),
    "duties.recorded": ("recorded {on}", "记录于 {on}"),
    "duties.unverified": ("The records are read as committed; techxfer verify checks who signed them.",
                   "以上记录按已提交内容读取；签名人是否有权签署由 techxfer verify 核查。"),
    "duties.changes": ("Changes of holders:", "任职变更："),
    "duties.before_first": ("No configuration was in force on {as_of}: the history starts {start}.",
                     "{as_of} 时尚无生效的配置：历史始于 {start}。"),
    "heading": ("{label}: ", "{label}："),
    "superseded_by": ("by rev {rev} ({commit})", "已被第 {rev} 版取代（{commit}）"),
    "separator": ("; ", "；"),
    "bracketed": ("({text})", "（{text}）"),
    "due": ("{state} (due {date})", "{state}（期限 {date}）"),
    "signature": ("{name} ({party}, {role}) — {meaning} — {when}",
                  "{name}（{party}，{role}）— {meaning} — {when}"),
    "progress": ("{command}: {n}/{total} {unit}", "{command}：{n}/{total} {unit}"),
    # techxfer log
    "listed_in": ("{id} — {title} ({path}, listed in {manifest})",
                  "{id} — {title}（{path}，登记于 {manifest}）"),
    "rev": ("rev {revision}", "第 {revision} 版"),
    "carried": ("→ {tx} to {to} ({action}): {state}", "→ {tx} 转移给 {to}（{action}）：{state}"),
    "acked_by": ("{state} by {who} {when}", "{who} 于 {when} {state}"),
    "no_revision": ("(no revision found in the history of its manifest)",
                    "（在其登记清单的历史中未找到任何版本）"),
    # techxfer signatures
    "no_signatures": ("(no signatures)", "（无签名记录）"),
    # techxfer receipts
    "none_ref": ("(none)", "（无）"),
    "problem_line": ("{code}: {commit} {message}", "{code}：{commit} {message}"),
    # -- check and status --
    "check.findings": ("{n} finding(s) in the working tree:", "工作区中发现 {n} 个问题："),
    "check.summary": ("Summary: {by_code}", "汇总：{by_code}"),
    "check.clean": ("Clean: {documents} in {manifests} manifests, configuration and register "
                    "consistent.", "无问题：{manifests} 个登记清单中共 {documents} 份文件，配置与登记一致。"),
    "status.registered": ("{documents} registered, {ok} as recorded.",
                          "已登记 {documents} 份文件，其中 {ok} 份与登记一致。"),
    "status.changed": ("Changed (content differs from the register):", "已更改（内容与登记不符）："),
    "status.missing": ("Missing:", "缺失："),
    "status.unlisted": ("Not listed in any manifest:", "未列入任何登记清单："),
    "status.problems": ("Problems:", "问题："),
    "status.awaiting": ("Transfers awaiting acknowledgement:", "待确认的转移："),
    "status.awaiting_line": ("  {tx} to {to}, sent {sent}, due {due}: {state}",
                             "  {tx} 转移给 {to}，发出于 {sent}，期限 {due}：{state}"),
    "status.clean": ("Working tree matches the register.", "工作区与登记一致。"),
    # -- release register, re-release (release2) --
    "releases.title": ("Batch release register (commit {commit})", "批放行记录（提交 {commit}）"),
    "releases.none": ("no releases", "无放行记录"),
    "releases.released": ("released to market", "已上市放行"),
    "releases.awaiting": ("awaiting market release", "已生产放行，待上市放行"),
    "releases.orphan": ("market release without production release", "有上市放行但无生产放行"),
    "releases.market_stale": ("released again for production, awaiting market release",
                              "已重新生产放行，待重新上市放行"),
    "releases.rework": ("records changed since the production release (rework): to be "
                        "released again", "生产放行后批记录已变更（返工）：须重新放行"),
    "releases.production": ("Production release", "生产放行"),
    "releases.market": ("Market release", "上市放行"),
    "releases.records": ("Records", "批记录"),
    "releases.deviations": ("Closed deviations", "已关闭偏差"),
    "releases.reason": ("Released again because", "重新放行原因"),
    "releases.superseded": ("Superseded {step} release", "已被取代的{step}"),
    "releases.signature": ("{name} ({party}, {role}) — {meaning} — {when}",
                           "{name}（{party}，{role}）— {meaning} — {when}"),
    "releases.meaning": ("released", "放行"),
    "releases.csv_header": ("Batch|State|Production release|Market release|Records|"
                            "Closed deviations|Superseded",
                            "批号|状态|生产放行|上市放行|批记录|已关闭偏差|已被取代的放行"),
    # -- training --
    "duties.training": ("training on a new revision", "新版本文件培训"),
    "training.title": ("Training matrix as of {as_of} (records at commit {commit})",
                       "截至 {as_of} 的培训矩阵（记录取自提交 {commit}）"),
    "training.none_required": ("The policy names no training (training: in .techxfer/policy.yaml).",
                               "策略未规定任何培训（.techxfer/policy.yaml 中的 training:）。"),
    "training.required": ("{category}: trained on each effective revision by {roles}",
                          "{category}：每个生效版本须由 {roles} 接受培训"),
    "training.header": ("document|party|person|roles|state", "文件|企业|人员|岗位|状态"),
    "training.trained_on": ("trained {on}", "已于 {on} 培训"),
    "training.gap_since": ("GAP, due since {since}", "未培训，自 {since} 起应完成"),
    "training.awaiting": ("not yet received by the party", "本方尚未确认接收"),
    "training.no_rows": ("No effective revision of these categories, or nobody in these roles.",
                         "上述类别没有生效版本，或无人担任上述岗位。"),
    "training.gaps": ("{n} gap(s).", "共 {n} 项未培训。"),
    "training.no_gaps": ("No gaps: everyone in the named roles is trained.",
                         "无缺口：上述岗位人员均已培训。"),
    "training.unverified": ("The records are read as committed; techxfer verify checks who "
                            "signed them.", "以上记录按已提交内容读取；签名人是否有权签署由 "
                            "techxfer verify 核查。"),
    # -- lifecycle: approval before use, change requests (techxfer log) --
    "lifecycle.effective": ("effective {date}", "{date} 生效"),
    "lifecycle.first_batch": ("{tx} implemented from batch {batch}", "{tx} 自批次 {batch} 起实施"),
    "lifecycle.superseded": ("superseded by rev {rev} ({when})", "已被第 {rev} 版取代（{when}）"),
}

# Headings of the transfer list (table, Markdown, PDF).
LABELS: dict[str, dict[str, str]] = {
    "en": {"title": "Technical file transfer list", "date": "Date", "id": "Transfer",
           "type": "Type", "reason": "Reason", "from": "From", "to": "To", "items": "Items",
           "ack": "Acknowledgement", "state": "State", "none": "no transfers",
           "sent": "Sent by", "commit": "Commit", "product": "Product",
           "registrant": "Registrant", "manufacturer": "Manufacturer",
           "agreement": "Quality agreement", "verified": "Audit (techxfer verify) at this commit",
           "clean": "clean", "findings": "FINDINGS", "unknown": "not run",
           "rev": "Rev", "title_col": "Title", "action": "Action", "comment": "Comment",
           "doc_id": "Id"},
    "zh": {"title": "转移文件清单", "date": "日期", "id": "转移编号", "type": "类型", "reason": "原因",
           "from": "转出方", "to": "接收方", "items": "文件", "ack": "确认", "state": "状态",
           "none": "无转移记录", "sent": "转出签名", "commit": "提交",
           "product": "产品", "registrant": "注册人", "manufacturer": "受托生产企业",
           "agreement": "质量协议", "verified": "该提交的审计结果 (techxfer verify)",
           "clean": "无问题", "findings": "有问题", "unknown": "未运行",
           "rev": "版本", "title_col": "标题", "action": "操作", "comment": "备注",
           "doc_id": "文件编号"},
}



# Words only the PDF reports print (the page frame and the PDF-only sections).
PDF_WORDS: dict[str, tuple[str, str]] = {
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
    # -- duties and release register PDFs (release2) --
    "duties_title": ("Duties calendar", "义务日历"),
    "key_positions": ("Key positions", "关键岗位"),
    "changed_at": ("Changed", "变更时间"),
    "commit": ("Commit", "提交"),
    "holders_change": ("Holders added (+) and removed (-)", "任职人员增加（+）与减少（-）"),
    "releases_title": ("Batch release register", "批放行记录"),
    "release_step": ("Step", "放行步骤"),
    "release_signer": ("Signed by (printed name, party, role)", "签名人（姓名、企业、岗位）"),
    "release_when": ("Date and time (zone)", "日期时间（时区）"),
    "release_meaning": ("Meaning (21 CFR 11.50)", "签名含义 (21 CFR 11.50)"),
    "release_commit": ("Recorded in commit", "记录提交"),
    "release_comment": ("Comment", "说明"),
    "release_state": ("State", "状态"),
    "release_bound": ("bound to production release {commit}", "绑定生产放行 {commit}"),
    "release_supersedes": ("supersedes {commit}: {reason}", "取代 {commit}：{reason}"),
    "release_superseded_by": ("superseded by {commit}", "已被 {commit} 取代"),
    "release_records": ("Batch records (SHA-256)", "批记录 (SHA-256)"),
    "release_deviations": ("Closed deviations", "已关闭偏差"),
    "release_closed_by": ("closed by {tx}, approved in commit {commit}",
                          "由 {tx} 关闭，批准提交 {commit}"),
    "release_in_force": ("in force", "现行"),
    "release_superseded": ("superseded", "已被取代"),
    # -- lifecycle: approval before use, change requests (techxfer log) --
    "lifecycle": ("Approvals and implementations", "批准与实施"),
    "lifecycle_detail": ("Effective / first batch", "生效日期 / 首批"),
}

def title(code: Code, lang: str) -> str:
    return TITLES[code][1 if lang == "zh" else 0]


def label(lang: str, key: str) -> str:
    return LABELS.get(lang, LABELS["en"])[key]


# English counts that take a noun: "1 commit", "2 commits" (Chinese has no plural).
COUNTED = {"commits": "commit", "transfers": "transfer", "acks": "acknowledgement",
           "documents": "document"}


def counted(n: object, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def word(key: str, lang: str, **kwargs: object) -> str:
    if lang != "zh":
        kwargs = {k: counted(v, COUNTED[k]) if k in COUNTED else v for k, v in kwargs.items()}
    return WORDS[key][1 if lang == "zh" else 0].format(**kwargs)


def heading(lang: str, key: str) -> str:
    """A label followed by its colon: "Reason: ", "原因："."""
    return word("heading", lang, label=label(lang, key))


def ljust(text: str, width: int) -> str:
    """TEXT padded to WIDTH terminal columns: a Chinese character takes two."""
    wide = sum(1 for c in text if unicodedata.east_asian_width(c) in "WF")
    return text + " " * max(0, width - len(text) - wide)


def page(lang: str, n: object, total: object) -> str:
    """Page numbering: "Page 1 of 2", "第1页/共2页"."""
    return word("page", lang, n=n, total=total)


def term(kind: str, value: str, lang: str) -> str:
    """A word of the format (``TERMS``) in LANG; in English, and for a word the catalogue
    does not know, the word itself."""
    return TERMS.get(kind, {}).get(value, value) if lang == "zh" else value


def template(key: str) -> str | None:
    """The Chinese template of message KEY: from ``MESSAGES``, or a term (``kind.word``)."""
    if key in MESSAGES:
        return MESSAGES[key]
    kind, _, value = key.partition(".")
    return TERMS.get(kind, {}).get(value)


# separator, lead
JOINED = {LIST: ("、", ""), SEVERAL: ("；", ""), PARTS: (" | ", ""), BULLETS: ("", "\n  - ")}


def render(said: Msg, lang: str) -> str:
    """A message in LANG; a message the catalogue lacks stays in English."""
    if lang != "zh":
        return said.text
    if said.key in JOINED:  # joined items: each in LANG, Chinese punctuation between
        separator, lead = JOINED[said.key]
        return separator.join(f"{lead}{render(v, lang) if isinstance(v, Msg) else v}"
                              for _, v in said.args)
    text = template(said.key)
    if text is None:
        return said.text
    return text.format(**{k: render(v, lang) if isinstance(v, Msg) else v for k, v in said.args})


def message(finding: Finding, lang: str) -> str:
    """A finding's message in LANG (its ``message`` in English)."""
    if lang != "zh" or finding.said is None:
        return finding.message
    return render(finding.said, lang)


def pdf_word(key: str, lang: str, **values: object) -> str:
    text = PDF_WORDS[key][1 if lang == "zh" else 0]
    return text.format(**values) if values else text


def pdf_term(value: str, lang: str) -> str:
    """VALUE (a kind, meaning, status or state the builders give in English) in LANG, from
    ``TERMS``; a word the catalogue does not know (a finding code) stays as it is."""
    for kind in ("event", "meaning", "status", "state"):
        if value in TERMS[kind]:
            return term(kind, value, lang)
    return value
