"""The console's two languages: English (the message keys themselves) and Simplified Chinese.

A small catalogue rather than Babel/gettext: the console has a few hundred short labels, no plural
forms beyond what a format string handles, and no translators' toolchain to feed. English text is the
key, so a missing translation shows English instead of a blank. `tests/console/test_pages.py` checks that
every label used in a template has a Chinese entry.

The sentences analytics write (alert messages, stage reasons, recommendations…) are `qunops.core.texts.Text`:
English strings that keep their template and values. Their Chinese templates are entries here too, keyed
by the English template; `translate` formats them with the values translated in turn.
`tests/console/test_i18n.py` checks that every such template has an entry with the same placeholders.

The choice is kept in the session (and a long-lived cookie, so it survives logging out); without one it
comes from the browser's Accept-Language.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from jinja2 import pass_context

from qunops.core.texts import Text

LANGUAGES = {"en": "English", "zh": "中文"}
LANG_COOKIE = "qunops_lang"

ZH: dict[str, str] = {
    # Navigation and frame.
    "Overview": "总览",
    "Alerts": "提醒",
    "Import": "导入",
    "Settings": "设置",
    "Log out": "退出",
    "Log in": "登录",
    "Log in to qunops": "登录 qunops",
    "Username": "用户名",
    "Password": "密码",
    "Workspace": "工作区",
    "Language": "语言",
    "Back to the overview": "返回总览",
    "Skip to content": "跳到正文",
    "Wrong username or password.": "用户名或密码错误。",
    "The form expired; please try again.": "表单已过期，请重试。",
    # Overview.
    "Today's briefing": "今日简报",
    "Nothing needs attention today.": "今天没有需要处理的事项。",
    "What to do": "建议操作",
    "What to do:": "建议操作：",
    "separator|; ": "；",
    "Groups": "群",
    "Group": "群",
    "Platform": "平台",
    "Type": "类型",
    "Stage": "阶段",
    "Health": "健康分",
    "WAD": "周活跃天数",
    "Msgs / active day": "活跃日消息",
    "Members": "成员",
    "Speaker ratio": "发言率",
    "Silence": "沉默",
    "30 days": "30 天",
    "Tag": "标签",
    "Search": "搜索",
    "Search groups": "搜索群",
    "All": "全部",
    "Filter": "筛选",
    "Clear": "清除",
    "Previous": "上一页",
    "Next": "下一页",
    "Page": "页",
    "of": "/",
    "No groups match.": "没有符合条件的群。",
    "No groups yet.": "还没有群。",
    "Import an export to see its groups here.": "导入一份聊天记录，这里就会出现它的群。",
    "As of": "截至",
    "groups": "个群",
    "alerts": "条提醒",
    "Messages (30 d)": "消息（30 天）",
    "Not yet computed": "尚未计算",
    # Group.
    "Purpose": "宗旨",
    "Threshold": "入群门槛",
    "Duration": "时长",
    "Planned end": "计划结束",
    "Capacity": "容量",
    "Tags": "标签",
    "Matrix": "矩阵",
    "Timezone": "时区",
    "Console language": "控制台语言",
    "Each person's browser": "跟随各人的浏览器",
    "for everyone in this workspace who has not chosen a language themselves": (
        "用于本工作区里没有自己选择语言的所有人"
    ),
    "Daily member messages and speakers": "每日成员消息与发言人数",
    "Joins and leaves": "入群与退群",
    "Weekly active days over time": "周活跃天数走势",
    "When the group talks (weekday × hour)": "活跃时段（星期 × 小时）",
    "Role pyramid": "角色金字塔",
    "Newcomer activation": "新人激活",
    "Topics": "话题",
    "No topics yet.": "暂无话题。",
    "Words and phrases this group uses more than others do, most particular first; the number is the "
    "messages that use them.": "本群比其他群更常用的词语，越独特越靠前；数字是用到它的消息条数。",
    "messages that use it": "用到它的消息",
    "and {count} of your own accounts": "另有 {count} 个本工作区自己的账号",
    "Briefing": "简报",
    "Groups' days are days of this timezone; changing it recomputes them. Exports written in local time "
    "(WeChat, QQ, WhatsApp) are read in it when imported: times already imported stay as they were read, "
    "and an export imported again after a change is read anew, so its messages are stored again. Import "
    "such an export again with --tz set to the timezone it was first read in.": (
        "群的“天”按这个时区划分，修改后会重新计算。以本地时间写的聊天记录（微信、QQ、WhatsApp）导入时按它解读："
        "已导入的时间保持原样；修改后再次导入同一份记录会按新时区重新解读，消息会被再存一遍。"
        "再次导入这类记录时，请用 --tz 指定它第一次导入时的时区。"
    ),
    "{count} more groups need attention: see every alert →": "另有 {count} 个群需要关注：查看全部提醒 →",
    "Role structure": "角色结构",
    "Role-structure checks": "角色结构检查",
    "Alerts and recommendations": "提醒与建议",
    "Recommendations": "建议",
    "No alerts.": "没有提醒。",
    "Member": "成员",
    "Roles": "角色",
    "Last activity": "最近活跃",
    "Messages": "消息",
    "Joined": "入群",
    "Left": "退群",
    "Edit registry": "编辑群档案",
    "Extended resources": "扩展资源",
    "Your role is viewer: you can look but not change anything.": (
        "你在此工作区是只读角色：可以查看，不能修改。"
    ),
    "Save": "保存",
    "Saved.": "已保存。",
    "Health explanation": "健康分构成",
    "messages": "消息",
    "speakers": "发言人",
    "joins": "入群",
    "leaves": "退群",
    "Yes": "是",
    "No": "否",
    "passed": "通过",
    "failed": "未通过",
    "More members": "更多成员",
    "Showing the most active members.": "显示最活跃的成员。",
    # Member.
    "Activity across groups": "跨群活跃",
    "How they joined": "入群方式",
    "Invited by": "邀请人",
    "Channel": "渠道",
    "Penalties": "处罚",
    "None recorded.": "暂无记录。",
    "Penalty": "处罚",
    "Until": "截止",
    "Why": "原因",
    "private": "私下处理",
    "lifted": "已撤销",
    "Messages in 60 days": "60 天消息",
    "First message": "首条消息",
    "Last message": "最近消息",
    # Alerts.
    "Alerts inbox": "提醒收件箱",
    "alert|Open": "待处理",
    "alert|Snoozed": "已暂缓",
    "alert|Acknowledged": "已确认",
    "alert|All": "全部",
    "Acknowledged": "已确认",
    "Snoozed": "已暂缓",
    "Acknowledge": "确认",
    "Reopen": "重新打开",
    "Snooze until": "暂缓到",
    "Snooze": "暂缓",
    "Assign to": "指派给",
    "Assign": "指派",
    "Assignee": "负责人",
    "Nobody": "无人",
    "Since": "开始于",
    "State": "状态",
    "Alert": "提醒",
    "Show": "显示",
    "Inbox is empty.": "收件箱是空的。",
    # Import.
    "Import exports": "导入聊天记录",
    "Files": "文件",
    "Upload and import": "上传并导入",
    "Uploads are limited to {limit} MB in all; files are deleted after the import.": (
        "上传总大小上限 {limit} MB；导入后文件即被删除。"
    ),
    "Recent uploads": "最近的上传",
    "Imports run with the qunops import command are not listed here; their groups are on the overview.": (
        "用 qunops import 命令做的导入不在这里列出，导入的群在总览里。"
    ),
    "Nothing uploaded yet.": "还没有上传过文件。",
    "Importing…": "正在导入…",
    "Waiting…": "等待中…",
    "Done": "完成",
    "Failed": "失败",
    "events read": "条事件已读取",
    "New events": "新事件",
    "Already stored": "已存在",
    "Local times read in": "本地时间所按时区",
    "Format": "格式",
    "Errors": "错误",
    "Skipped lines": "跳过的行",
    "Summary": "摘要",
    "Choose at least one file.": "请至少选择一个文件。",
    # Settings.
    "Users": "用户",
    "Role": "角色",
    "Add user": "添加用户",
    "Add": "添加",
    "Change": "修改",
    "Remove": "移除",
    "Remove from the workspace": "从工作区移除",
    "admin": "管理员",
    "operator": "运营",
    "viewer": "只读",
    "Workspace settings": "工作区设置",
    "Thresholds": "阈值",
    "Default": "默认",
    "Password (new users only)": "密码（仅新用户）",
    "Only admins can change the users and the workspace settings; your own password you change below.": (
        "只有管理员可以修改用户和工作区设置；你自己的密码可以在下面修改。"
    ),
    "you": "你",
    "Your password": "你的密码",
    "Current password": "当前密码",
    "New password": "新密码",
    "New password again": "再次输入新密码",
    "Change password": "修改密码",
    "Changing it logs you out in every other browser. Logging out ends the login of this browser only.": (
        "修改后，你在其他浏览器上的登录都会退出。退出登录只结束本浏览器的登录。"
    ),
    "Your password is changed; every other browser logged in as you is logged out.": (
        "密码已修改；以你的身份登录的其他浏览器都已退出。"
    ),
    # Merging two members who are one person.
    "Same person as another member": "与另一位成员是同一个人",
    "When this member and another of the same platform are one person (WhatsApp's “You” and the "
    "exporter's own name, say), merge this one into the other: its messages, names, roles and penalties "
    "become the other's, and later imports give them to the other. It cannot be undone.": (
        "此成员与同一平台的另一位成员是同一个人时（例如 WhatsApp 导出里的“You”与导出者自己的"
        "名字），把此成员合并到另一位：其消息、名称、角色和处罚都归入另一位，之后的导入也记到另一位"
        "名下。合并无法撤销。"
    ),
    "Member id": "成员编号",
    "Merge into that member": "合并到该成员",
    "Member {member} was merged into this one.": "成员 {member} 已合并到此成员。",
    "Give the id of the member this one is (the number in its page's address).": (
        "请填写此成员所对应成员的编号（即其页面地址中的数字）。"
    ),
    "member {member} cannot be merged into itself": "成员 {member} 不能合并到自身",
    "no member {member} in this workspace": "此工作区没有成员 {member}",
    "member {member} was merged into member {into} already": "成员 {member} 已合并到成员 {into}",
    "member {member} is of {platform} and member {other} of {other_platform}: only members of the same "
    "platform can be merged": (
        "成员 {member} 属于{platform}，成员 {other} 属于{other_platform}：只能合并同一平台的成员"
    ),
    # Stages and severities.
    "launching": "启动期",
    "thriving": "繁荣",
    "steady": "平稳",
    "cooling": "降温",
    "dormant": "休眠",
    "dead": "死群",
    "completed": "已完成",
    "high": "高",
    "medium": "中",
    "low": "低",
    # Roles and pyramid tiers.
    "owner": "群主",
    "official": "官方号",
    "extra": "托",
    "expert": "专家",
    "kol": "KOL",
    "core": "核心",
    "regular": "常客",
    "occasional": "偶尔发言",
    "newcomer": "新人",
    "lurker": "潜水",
    "slipping": "流失中",
    "answerer": "答疑者",
    "opinion_leader": "意见领袖",
    "suspected_spammer": "疑似广告",
    "bot": "机器人",
    "Joined in 30 days": "30 天内入群",
    "Spoke within a week": "一周内发言",
    "Activation": "激活率",
    "Active days (30 d)": "活跃天数（30 天）",
    "Members holding each role (a member can hold several):": "各角色的人数（一人可有多个角色）：",
    # Group types (also values of analytics texts: "a {group_type} group" reads "兴趣群").
    "interest": "兴趣",
    "resource": "资源",
    "consultant": "顾问",
    "industry": "行业",
    "fan": "粉丝",
    "partner": "合作伙伴",
    "boss": "老板",
    "learning": "学习",
    "regional": "同城",
    "event": "活动",
    "customer_service": "客服",
    "first_purchase": "首购",
    "other": "其他",
    # Durations and entry thresholds of the registry.
    "temporary": "临时",
    "long_term": "长期",
    "none": "无",
    "payment": "付费",
    "referral": "推荐",
    "task": "任务",
    "proof_of_income": "收入证明",
    "questionnaire": "问卷",
    # How a member joined (`JOIN_CHANNELS`).
    "invited directly": "直接邀请",
    "invite link": "邀请链接",
    "QR code": "扫码入群",
    "join request approved": "申请通过",
    "there when the group was created": "建群时就在",
    "unknown": "未知",
    # Alert kinds (the overview's alert badges).
    "silence": "沉默",
    "leave_wave": "退群潮",
    "spam_burst": "广告刷屏",
    "newcomers_silent": "新人不说话",
    "official_accounts": "官方号过多",
    "expert_or_answerer": "缺少答疑者",
    "young_group_helper": "新群缺少接话人",
    # Analytics texts (`qunops.core.texts.Text`), keyed by their English template. Placeholders and their
    # format specs must be the template's own (tests/console/test_i18n.py checks).
    # Alerts.
    "no member message for {hours:.0f} hours (alert at {limit})": (
        "已 {hours:.0f} 小时没有成员发言（超过 {limit} 小时提醒）"
    ),
    "{stage}: {reason}": "{stage}：{reason}",
    "{leaves} members left within 24 hours ({share:.0%} of {members})": (
        "24 小时内 {leaves} 人退群（占 {members} 人的 {share:.0%}）"
    ),
    "{flagged} messages flagged as spam or ads today": "今天有 {flagged} 条消息被标为广告或垃圾信息",
    "{joins} people joined in the last {days} days and none of them spoke": (
        "近 {days} 天进群 {joins} 人，没有一个人发言"
    ),
    # Lifecycle stage reasons.
    "temporary group past its planned end {end}": "临时群已过计划结束日 {end}",
    "no member message for {days} days (dead at {dead})": "已 {days} 天没有成员发言（满 {dead} 天即为死群）",
    "silent for {days} days ({first}–{last} is dormant)": "已沉默 {days} 天（{first}–{last} 天为休眠）",
    "{age} (younger than {limit} days)": "{age}（不满 {limit} 天）",
    "created today": "今天建群",
    "1 day old": "建群 1 天",
    "{days} days old": "建群 {days} 天",
    "{wad} active day(s) in the last week": "近一周只有 {wad} 个活跃日",
    "member messages fell {drop:.0%} week on week ({before} → {after})": (
        "成员消息周环比下降 {drop:.0%}（{before} → {after}）"
    ),
    "{wad} active days in the last week": "近一周有 {wad} 个活跃日",
    # Health score components.
    "{name}: {points:.1f}/{weight:.0f} — {explanation}": (
        "{name}：{points:.1f}/{weight:.0f} 分 — {explanation}"
    ),
    "weekly active days": "周活跃天数",
    "{wad} of {days} days active": "{days} 天中有 {wad} 天活跃",
    "messages per active day": "活跃日消息数",
    "{messages:.1f} member messages per active day (half the points at {half:.0f})": (
        "每个活跃日 {messages:.1f} 条成员消息（{half:.0f} 条得一半分）"
    ),
    "speaker ratio": "发言率",
    "{ratio:.0%} of members spoke in {days} days": "{days} 天内 {ratio:.0%} 的成员发过言",
    "new-member speakers": "新人发言",
    "{speakers:.1f} new members speaking per active day": "每个活跃日 {speakers:.1f} 位新人发言",
    "responsiveness": "答疑响应",
    "no question asked: weight spread over the other components": "没有人提问：此项分值分摊到其他各项",
    "{share:.0%} of questions answered within {minutes} minutes": (
        "{share:.0%} 的提问在 {minutes} 分钟内得到回答"
    ),
    "no member message yet": "还没有成员发言",
    "last member message {hours:.1f} h before": "距最近一条成员消息 {hours:.1f} 小时",
    # Role-structure checks and role suggestions.
    "{officials} official account(s) for {members} members (at most {allowed}: {per_100} per 100)": (
        "{members} 名成员配 {officials} 个官方号（最多 {allowed} 个：每 100 人 {per_100} 个）"
    ),
    "{knowing} expert(s) or answerer(s) in a {group_type} group (at least 1)": (
        "{group_type}群有 {knowing} 位专家或答疑者（至少要 1 位）"
    ),
    "{age} with {active} active members: {helpers} extra/official account(s) answering within "
    "{minutes} minutes (at least 1)": (
        "{age}，活跃成员 {active} 人：{minutes} 分钟内接话的托或官方号 {helpers} 个（至少要 1 个）"
    ),
    "{leading} opinion leader(s) for {members} members (groups over {limit} need at least 1)": (
        "{members} 名成员中有 {leading} 位意见领袖（超过 {limit} 人的群至少要 1 位）"
    ),
    "answered {answers} questions of others in 30 days: make them the group's expert": (
        "30 天内回答了别人 {answers} 个问题：可设为本群专家"
    ),
    "received {received} replies and mentions in 30 days: others follow them": (
        "30 天内被回复和 @ {received} 次：大家愿意跟着 ta 聊"
    ),
    "designated {roles} but silent since {since}: re-engage them or designate someone active": (
        "已设为{roles}，但自{since}起一直没发言：重新调动 ta，或改设活跃的人"
    ),
    "joining": "入群",
    "{first}, {rest}": "{first}、{rest}",
    # Recommendations: titles, then the reasons they are given for.
    "Post a topic for discussion": "发起一个话题讨论",
    "the official account hosts a topic to break the silence "
    "(do not leave a group silent past {hours} hours)": (
        "由官方号主持话题、打破沉默（别让群沉默超过 {hours} 小时）"
    ),
    "Send an occasional red packet to test activity": "偶尔发个红包，测测活跃度",
    "no red packet recently": "最近没发过红包",
    "last one {days} days ago": "上次是 {days} 天前",
    "{last}; keep it occasional or members take it for a charity group": (
        "{last}；偶尔发就好，发多了大家会把这里当福利群"
    ),
    "Ask {name} to hold a sharing session": "请 {name} 做一次分享",
    "a {group_type} group cooling down; {name} answers others' questions": (
        "{group_type}群在降温；{name} 常回答别人的问题"
    ),
    "Invite an expert to answer questions and share": "邀请专家来答疑、做分享",
    "a {group_type} group cooling down with nobody who answers questions": (
        "{group_type}群在降温，却没有人答疑"
    ),
    "Plan an activity every member can take part in": "策划一个全员都能参与的活动",
    "activities all members can join slow a group's decline": "全员参与的活动能延缓群的衰退",
    "Run an ice-breaker questionnaire (career, city, interests)": "做一份破冰问卷（职业、城市、兴趣）",
    "only {ratio:.0%} of members spoke in 30 days: help them find weak ties": (
        "30 天内只有 {ratio:.0%} 的成员发过言：帮大家找到彼此的弱关系"
    ),
    "Move members into new groups by sub-topic (change blood)": "按细分话题把成员拉进新群（换血）",
    "a long-term group {age} days old is fading: regroup its people around narrower topics": (
        "建群 {age} 天的长期群在衰退：围绕更细的话题重新组群"
    ),
    "Archive the group or relaunch it with a new purpose": "归档此群，或换个宗旨重新启动",
    "no member message for two weeks": "两周没有成员发言",
    "Welcome newcomers: greeting, rules and guidance": "欢迎新人：打招呼、讲群规、做引导",
    "new members joined and none spoke: a sense of ceremony on joining invites them in": (
        "新人进群后没人发言：入群仪式感能让他们开口"
    ),
    "newcomers do not know each other: a questionnaire finds what they can talk about": (
        "新人彼此不认识：一份问卷能找到大家能聊的话题"
    ),
    "Invite an expert or KOL to lead the conversation": "邀请专家或 KOL 带动讨论",
    "{members} members and no opinion leader": "{members} 名成员，却没有意见领袖",
    "Invite an expert to answer questions": "邀请专家来答疑",
    "a {group_type} group needs someone who answers": "{group_type}群需要有人答疑",
    "Assign an extra or the official account to answer within the hour": "安排托或官方号在一小时内接话",
    "a young group with few active members needs someone who answers first": "新群活跃成员少，需要有人先接话",
    "Keep at most 3 official accounts per 100 members": "每 100 人最多配 3 个官方号",
    "more official accounts confuse members about who is who": "官方号太多，成员分不清谁是谁",
    "Review today's messages for ads and remove the offenders": "检查今天的消息，清理广告并移出发广告的人",
    "one ad can empty a good group": "一条广告就能毁掉一个好群",
    "a wave of leaves often follows an ad": "退群潮往往紧跟在广告之后",
    "Remind members of the group rules": "提醒大家遵守群规",
    "rules enforced fairly keep the atmosphere": "群规执行公平，群里的氛围才留得住",
    # Errors.
    "Not found": "未找到",
    "Something went wrong on our side; the error is logged.": "系统出错了，错误已记录。",
    "The database is busy storing an import; try again in a minute.": (
        "数据库正在写入导入的数据，请稍后再试。"
    ),
    "You belong to no workspace; ask an admin to add you.": "你还不属于任何工作区，请联系管理员把你加进来。",
    "Your role in this workspace is viewer: you can look but not change anything.": (
        "你在此工作区是只读角色：可以查看，不能修改。"
    ),
    "Only a workspace admin can do this.": "只有工作区管理员可以这样做。",
    "You do not belong to that workspace.": "你不属于那个工作区。",
    "The form expired; please reload the page and try again.": "表单已过期，请刷新页面后重试。",
    "No such alert in this workspace.": "本工作区没有这条提醒。",
    "No such group in this workspace.": "本工作区没有这个群。",
    "No such member in this workspace.": "本工作区没有这个成员。",
    "No such import in this workspace.": "本工作区没有这次导入。",
    "Snooze until a date and time like 2026-12-01T09:00.": "请填写暂缓到的日期和时间，如 2026-12-01T09:00。",
    "Snooze until a moment in the future.": "暂缓时间要晚于现在。",
    "Choose a user of this workspace.": "请选择本工作区的用户。",
    "The assignee does not belong to this workspace.": "负责人不属于本工作区。",
    # The registry form (`group_pages.parse_profile`).
    "choose one of: {choices}": "请从这些选项中选择：{choices}",
    "a date like 2026-12-31": "请填日期，如 2026-12-31",
    "a whole number of members, 1 or more": "请填成员人数（不小于 1 的整数）",
    "a timezone name like Asia/Shanghai (empty: the workspace's)": (
        "请填时区名称，如 Asia/Shanghai（留空则用工作区的时区）"
    ),
    "at most {count:,} characters": "最多 {count:,} 个字",
    "at most 30 tags of at most 50 characters": "最多 30 个标签，每个不超过 50 个字",
    "line {number}: write “kind: name”, e.g. official account: Brand": (
        "第 {number} 行：请写成“类型: 名称”，如 公众号: 品牌名"
    ),
    # Settings: thresholds, timezone and users (`state.parse_thresholds`, `settings_pages`).
    "a whole number": "请填整数",
    "a number": "请填数字",
    "must not be negative": "不能是负数",
    "a share between 0 and 1": "请填 0 到 1 之间的比例",
    "an hour from 0 to 23": "请填 0 到 23 之间的整点",
    "must be at least 1": "至少为 1",
    "must not exceed the thriving WAD": "不能超过繁荣期的周活跃天数",
    "must be fewer days than dead": "要少于判定死群的天数",
    "cannot exceed the days of a week window": "不能超过一周窗口的天数",
    "Unknown timezone {timezone!r}: use a name like Asia/Shanghai or UTC.": (
        "未知时区 {timezone!r}：请填 Asia/Shanghai 或 UTC 这样的名称。"
    ),
    "Unknown language {language!r}: choose English or 中文.": (
        "未知语言 {language!r}：请选择 English 或中文。"
    ),
    "That user does not belong to this workspace.": "该用户不属于本工作区。",
    "A workspace needs at least one admin: make someone else admin first.": (
        "工作区至少要有一位管理员：请先把其他人设为管理员。"
    ),
    "A role is admin, operator or viewer.": "角色只能是管理员、运营或只读。",
    "A username has 1 to 64 characters": "用户名须为 1 到 64 个字符",
    "A password has at least 8 characters": "密码至少 8 个字符",
    "The new password and its repetition differ.": "两次输入的新密码不一致。",
    "The current password is wrong.": "当前密码不正确。",
    "User {username!r} exists already": "用户 {username!r} 已存在",
    "{name} is in this workspace already; change their role below.": (
        "{name} 已在本工作区，可在下方修改角色。"
    ),
    # The settings page's thresholds (`settings_pages.THRESHOLD_SECTIONS`): sections, then labels.
    "Active days and answers": "活跃日与回答",
    "Measuring windows": "统计窗口",
    "Silence and lifecycle": "沉默与生命周期",
    "Members and roles": "成员与角色",
    "Health score": "健康分",
    "Active day: member messages (at least)": "活跃日：成员消息数（至少）",
    "Active day: members who spoke (at least)": "活跃日：发言人数（至少）",
    "A member is new for (days)": "新人期（天）",
    "Answer window (seconds)": "回答时限（秒）",
    "A message soon after a question answers it (seconds)": "紧跟提问的消息算作回答（秒）",
    "Red packet claim window (seconds)": "红包领取时限（秒）",
    "Week window (days)": "周窗口（天）",
    "Speaker ratio window (days)": "发言率统计窗口（天）",
    "Responsiveness window (days)": "答疑响应统计窗口（天）",
    "Red packet window (days)": "红包统计窗口（天）",
    "Long-term lurker after (days)": "长期潜水（天）",
    "Silence alert after (hours)": "沉默提醒（小时）",
    "Quiet hours start (hour, 0–23)": "免打扰开始（时，0–23）",
    "Quiet hours end (hour, 0–23)": "免打扰结束（时，0–23）",
    "Dead after silence of (days)": "沉默多久算死群（天）",
    "Dormant after silence of (days)": "沉默多久算休眠（天）",
    "Launching for (days)": "启动期（天）",
    "Thriving: weekly active days (at least)": "繁荣：周活跃天数（至少）",
    "Steady: weekly active days (at least)": "平稳：周活跃天数（至少）",
    "Cooling: weekly active days (at most)": "降温：周活跃天数（至多）",
    "Cooling: week-on-week drop in messages (share)": "降温：消息周环比降幅（比例）",
    "Lurker after silence of (days)": "沉默多久算潜水（天）",
    "Core: active days (at least)": "核心：活跃天数（至少）",
    "Core: counted over (days)": "核心：统计天数",
    "Regular: active days (at least)": "常客：活跃天数（至少）",
    "Regular: counted over (days)": "常客：统计天数",
    "Slipping: silent for at least (days)": "流失中：至少沉默（天）",
    "Slipping: silent for at most (days)": "流失中：至多沉默（天）",
    "Answerer: questions answered (at least)": "答疑者：回答问题数（至少）",
    "Opinion leaders: top share of members": "意见领袖：排名靠前的成员比例",
    "Opinion leader: replies and mentions received (at least)": "意见领袖：被回复和 @ 次数（至少）",
    "Concentration: top share of speakers": "发言集中度：头部发言人比例",
    "Official accounts per 100 members (at most)": "每 100 人官方号数（至多）",
    "Young group: younger than (days)": "新群：建群不满（天）",
    "Young group: fewer active members than": "新群：活跃成员少于",
    "Opinion leader needed above (members)": "超过多少人需要意见领袖",
    "Leave wave: share of members leaving in 24 hours": "退群潮：24 小时内退群比例",
    "Leave wave: members leaving (at least)": "退群潮：退群人数（至少）",
    "Spam burst: flagged messages in a day": "广告刷屏：一天内被标记的消息数",
    "Silent newcomers: joins in a week (at least)": "新人不说话：一周内入群人数（至少）",
    "Red packet suggested after (days without one)": "多久没发红包才建议发（天）",
    "Fading group: age (days, at least)": "衰退群：群龄（天，至少）",
    "Weight of weekly active days (points)": "周活跃天数权重（分）",
    "Weight of messages per active day (points)": "活跃日消息数权重（分）",
    "Weight of the speaker ratio (points)": "发言率权重（分）",
    "Weight of new-member speakers (points)": "新人发言权重（分）",
    "Weight of responsiveness (points)": "答疑响应权重（分）",
    "Weight of silence (points)": "沉默权重（分）",
    "Half the points at (messages per active day)": "半分点（活跃日消息数）",
    "Half the points at (speaker ratio)": "半分点（发言率）",
    "Half the points at (new-member speakers per active day)": "半分点（每个活跃日新人发言数）",
    "Half the points at (hours of silence)": "半分点（沉默小时数）",
    "{count} field needs fixing": "有 {count} 处需要修改",
    "{count} fields need fixing": "有 {count} 处需要修改",
    # Imports: event kinds of the summary, the importers' fixed reasons for skipping a line.
    "The upload is larger than {limit} MB; import big exports with the CLI.": (
        "上传超过 {limit} MB；较大的聊天记录请用命令行导入。"
    ),
    "message": "消息",
    "join": "入群",
    "leave": "退群",
    "removal": "移出",
    "recall": "撤回",
    "rename": "改群名",
    "announcement": "群公告",
    "admin_change": "管理员变动",
    "mute": "禁言",
    "red_packet_sent": "发红包",
    "red_packet_claimed": "领红包",
    "private message": "私聊消息",
    "text outside any message": "不属于任何消息的文字",
    "text before the first message": "第一条消息之前的文字",
    "encryption notice": "加密提示",
    # Imports: why a file could not be imported ("file:line: what is wrong"); values are the file's own.
    "{where}: {problem}": "{where}：{problem}",
    "no such file or folder": "没有这个文件或文件夹",
    "unknown format {format} (known: {known})": "未知的格式 {format}（已知：{known}）",
    "not a known export format (tried: {tried})": "不是已知的聊天记录导出格式（已尝试：{tried}）",
    "not a readable zip ({detail})": "不是可读的 zip 文件（{detail}）",
    "no chat export inside the zip": "zip 文件里没有聊天记录导出",
    "not a file or folder (a device, pipe or socket): name the export file itself": (
        "不是文件或文件夹（是设备、管道或套接字）：请指定导出文件本身"
    ),
    "a SQLite database, not a chat export": "这是 SQLite 数据库，不是聊天记录导出",
    "a zip inside a zip is not read: unpack the outer zip and import what it holds": (
        "不读取 zip 里的 zip：请先解压外层 zip，再导入其中的内容"
    ),
    "not UTF-8 text (looks like UTF-16 without a byte order mark): re-export or convert to UTF-8": (
        "不是 UTF-8 文本（像是没有字节顺序标记的 UTF-16）：请重新导出或转换为 UTF-8"
    ),
    "expands {times} times over, to {size} MB: refused (no chat export compresses this much)": (
        "解压后膨胀 {times} 倍，达 {size} MB：已拒绝（聊天记录导出不会压缩到这种程度）"
    ),
    "a line longer than {limit} characters: not a chat export": "有一行超过 {limit} 个字符：不是聊天记录导出",
    "cannot be read ({detail})": "无法读取（{detail}）",
    "cannot read ({detail})": "无法读取（{detail}）",
    "not valid {encoding} text": "不是有效的 {encoding} 文本",
    "not valid UTF-8 JSON": "不是有效的 UTF-8 JSON",
    "not valid JSON ({detail})": "不是有效的 JSON（{detail}）",
    "broken JSON ({detail})": "JSON 已损坏（{detail}）",
    "broken CSV ({detail})": "CSV 已损坏（{detail}）",
    "each line must be a JSON object": "每一行都必须是一个 JSON 对象",
    "expected the columns {columns}": "应有这些列：{columns}",
    "expected {expected} columns, got {got}": "应有 {expected} 列，实际为 {got} 列",
    "empty {field}": "{field} 为空",
    "bad {field} {value}": "{field} 无法识别：{value}",
    "bad date or time ({detail})": "日期或时间无法识别（{detail}）",
    "bad date or time {written} ({detail})": "日期或时间无法识别：{written}（{detail}）",
    "message {count} is not an object": "第 {count} 条消息不是一个对象",
    "message {count}: {problem}": "第 {count} 条消息：{problem}",
    "message {count} (id {id}): {problem}": "第 {count} 条消息（id {id}）：{problem}",
    "missing field {field}": "缺少字段 {field}",
    "missing field": "缺少字段",
    "a time out of range": "时间超出范围",
    "no WhatsApp message lines found": "没有找到 WhatsApp 消息行",
    "no Telegram chats or messages found": "没有找到 Telegram 聊天或消息",
    "no Discord channel or messages found": "没有找到 Discord 频道或消息",
    "no QQ messages found": "没有找到 QQ 消息",
    "no chatInfo or messages: not a qq-chat-exporter file": (
        "没有 chatInfo 或消息：不是 qq-chat-exporter 导出的文件"
    ),
    "no WeChat messages found": "没有找到微信消息",
    "expected `YYYY-MM-DD HH:MM:SS name` first": "文件应以 `YYYY-MM-DD HH:MM:SS 昵称` 开头",
    "no session.wxid before the messages": "消息之前没有 session.wxid",
    "no session or messages: not a WeFlow export": "没有 session 或消息：不是 WeFlow 导出的文件",
    "not a OneBot event (no post_type)": "不是 OneBot 事件（没有 post_type）",
    "the database refused the data ({error})": "数据库拒绝了这些数据（{error}）",
    "the parse process ended unexpectedly (exit code {code})": "解析进程意外结束（退出码 {code}）",
    "the parse process failed ({detail})": "解析进程出错（{detail}）",
    # The "As of" date of pages measured as of a date.
    "Back to today": "回到今天",
    "You are viewing this page as of {date}, not today.": "你正在查看截至 {date} 的情况，不是今天。",
    "Your data ends on {date}.": "你的数据截至 {date}。",
    "View as of {date}": "查看截至 {date} 的情况",
    "“{value}” is not a date: give one like 2016-08-31 (year-month-day).": (
        "“{value}”不是日期：请写成 2016-08-31 这样的格式（年-月-日）。"
    ),
    "There is nothing to show as of {day}: choose a date from {earliest} to {latest}.": (
        "截至 {day} 没有可显示的内容：请选择 {earliest} 到 {latest} 之间的日期。"
    ),
    "This group's history begins on {first}; nothing to show as of {date}.": (
        "这个群的记录从 {first} 开始，截至 {date} 没有可显示的内容。"
    ),
    "View it as of {date}, its first days": "查看截至 {date}（建群初期）的情况",
    # Members lists.
    "All {count} members, with search →": "全部 {count} 名成员（可搜索）→",
    "Search members by name": "按名字搜索成员",
    "Sort by": "排序",
    "Name": "名字",
    "members": "名成员",
    "No members match.": "没有匹配的成员。",
    "No members as of this date.": "这一天没有成员。",
    "No messages in these 60 days.": "这 60 天内没有消息。",
    # Platforms, as `PLATFORMS` names them (the others keep their own names in Chinese).
    "WeChat": "微信",
    "WeCom": "企业微信",
    "platform|Other": "其他",
    "Type a name, or part of one, that a member uses or used in any group.": (
        "输入成员在任意群里用过的名字（或其中一部分）。"
    ),
}


# Values of the code's enums that a page shows as words (roles, group types, stages…) read in English as
# the value with spaces ("opinion leader"), but for these.
EN_TERMS = {"kol": "KOL"}

# How a member came into a group (`core.events.JoinChannel`), as the member page says it.
JOIN_CHANNELS = {
    "invite": "invited directly",
    "link": "invite link",
    "qr": "QR code",
    "request": "join request approved",
    "created": "there when the group was created",
    "unknown": "unknown",
}

# A group's or member's platform (`core.platforms.Platform`) by its name, not its stored code.
PLATFORMS = {
    "wechat": "WeChat",
    "wecom": "WeCom",
    "qq": "QQ",
    "telegram": "Telegram",
    "discord": "Discord",
    "whatsapp": "WhatsApp",
    "other": "platform|Other",
}


def language_of(request: Request) -> str:
    """The language chosen in this session or cookie, else the one the viewer's workspace sets, else the
    browser's first supported one."""
    chosen = request.session.get("lang") or request.cookies.get(LANG_COOKIE)
    if chosen in LANGUAGES:
        return str(chosen)
    workspace = getattr(request.state, "workspace_language", None)
    if workspace in LANGUAGES:
        return str(workspace)
    for part in request.headers.get("accept-language", "").split(","):
        code = part.split(";")[0].strip().lower()
        if code.startswith("zh"):
            return "zh"
        if code.startswith("en"):
            return "en"
    return "en"


def translate(language: str, text: str, **values: Any) -> str:
    """`text` in the language. A key "context|Label" shows "Label" in English and has its own Chinese
    entry, for a label whose translation depends on where it stands (an *open* alert, an *open* appeal).

    An analytics `Text` is translated by its template, with its values (see `qunops.core.texts`)."""
    if isinstance(text, Text):
        return text.translated(ZH) if language == "zh" else str(text)
    _, bar, english = text.partition("|")
    if not bar:
        english = text
    message = ZH.get(text, ZH.get(english, english)) if language == "zh" else english
    return message.format(**values) if values else message


def sentence(language: str, value: str) -> str:
    """A value that is either a sentence the code wrote (a `Text`: translated) or data (names, messages,
    reasons people typed, English the store keeps as it was written: shown as it is, never looked up)."""
    return translate(language, value) if isinstance(value, Text) else value


def term(language: str, value: str) -> str:
    """An enum value the code stores (a role, group type, stage, join channel…) as a word of the language.
    Only for the code's own values: data (tags, names) is shown as it is."""
    value = str(value)
    if language == "zh" and value in ZH:
        return ZH[value]
    return EN_TERMS.get(value, value.replace("_", " "))


def join_channel(language: str, value: str | None) -> str:
    """How a member joined (`JoinChannel`) in words; a value the code does not know is shown as stored."""
    if not value:
        return "—"
    label = JOIN_CHANNELS.get(value)
    return translate(language, label) if label else value


def platform_name(language: str, value: str) -> str:
    """A platform (`Platform`) by its name in the language; a value the code does not know as stored."""
    label = PLATFORMS.get(str(value))
    return translate(language, label) if label else str(value)


@pass_context
def gettext(context: Any, text: str, **values: Any) -> str:
    """`_("Label")` in templates."""
    return translate(language_of(context["request"]), text, **values)


@pass_context
def term_of(context: Any, value: str) -> str:
    """`value|term` in templates."""
    return term(language_of(context["request"]), value)


@pass_context
def join_channel_of(context: Any, value: str | None) -> str:
    """`value|join_channel` in templates."""
    return join_channel(language_of(context["request"]), value)


@pass_context
def sentence_of(context: Any, value: str) -> str:
    """`sentence(value)` in templates."""
    return sentence(language_of(context["request"]), value)


@pass_context
def platform_of(context: Any, value: str) -> str:
    """`value|platform` in templates."""
    return platform_name(language_of(context["request"]), value)
