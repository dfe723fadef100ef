"""The console's two languages: English (the message keys themselves) and Simplified Chinese.

A small catalogue rather than Babel/gettext: the console has a few hundred short labels, no plural
forms beyond what a format string handles, and no translators' toolchain to feed. English text is the
key, so a missing translation shows English instead of a blank. `tests/console/test_i18n.py` checks that
every label used in a template has a Chinese entry.

The choice is kept in the session (and a long-lived cookie, so it survives logging out); without one it
comes from the browser's Accept-Language.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from jinja2 import pass_context

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
    "Daily member messages and speakers": "每日成员消息与发言人数",
    "Joins and leaves": "入群与退群",
    "Weekly active days over time": "周活跃天数走势",
    "When the group talks (weekday × hour)": "活跃时段（星期 × 小时）",
    "Role pyramid": "角色金字塔",
    "Newcomer activation": "新人激活",
    "Topics": "话题",
    "No topics yet.": "暂无话题。",
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
    "Recent imports": "最近的导入",
    "Importing…": "正在导入…",
    "Waiting…": "等待中…",
    "Done": "完成",
    "Failed": "失败",
    "events read": "条事件已读取",
    "New events": "新事件",
    "Already stored": "已存在",
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
    "Only admins can change these settings.": "只有管理员可以修改这些设置。",
    "you": "你",
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
    "Joined in 30 days": "30 天内入群",
    "Spoke within a week": "一周内发言",
    "Activation": "激活率",
    "Active days (30 d)": "活跃天数（30 天）",
    # Errors.
    "Not found": "未找到",
}


def language_of(request: Request) -> str:
    """The language chosen in this session or cookie, else the browser's first supported one."""
    chosen = request.session.get("lang") or request.cookies.get(LANG_COOKIE)
    if chosen in LANGUAGES:
        return str(chosen)
    for part in request.headers.get("accept-language", "").split(","):
        code = part.split(";")[0].strip().lower()
        if code.startswith("zh"):
            return "zh"
        if code.startswith("en"):
            return "en"
    return "en"


def translate(language: str, text: str, **values: Any) -> str:
    """`text` in the language. A key "context|Label" shows "Label" in English and has its own Chinese
    entry, for a label whose translation depends on where it stands (an *open* alert, an *open* appeal)."""
    _, bar, english = text.partition("|")
    if not bar:
        english = text
    message = ZH.get(text, ZH.get(english, english)) if language == "zh" else english
    return message.format(**values) if values else message


@pass_context
def gettext(context: Any, text: str, **values: Any) -> str:
    """`_("Label")` in templates."""
    return translate(language_of(context["request"]), text, **values)
