"""Default word lists. Operators extend them per workspace; these are a floor, not a policy.

Each entry is (phrase, category, severity, explanation). Phrases are normalised with the same function
as messages, so write them in any width, script or case. A phrase ending in "*" matches as a prefix
("fuck*" matches "fucking"); Latin and Cyrillic phrases otherwise match whole words only, CJK phrases
match anywhere (Chinese has no spaces between words).
"""

from __future__ import annotations

from qunops.moderation.findings import PolicyCategory as C
from qunops.moderation.findings import Severity as S

Entry = tuple[str, C, S, str]

_INSULT = "an insult"
_PROFANITY = "profanity"
_SEXUAL = "sexual content or solicitation"

ABUSIVE: list[Entry] = [
    *[
        (w, C.ABUSIVE, S.HIGH, _INSULT)
        for w in (
            "傻逼",
            "傻b",
            "煞笔",
            "沙比",
            "脑残",
            "弱智",
            "智障",
            "白痴",
            "废物",
            "蠢货",
            "狗东西",
            "贱人",
            "婊子",
            "贱货",
            "人渣",
            "杂种",
            "畜生",
            "滚蛋",
            "死全家",
            "去死",
            "草泥马",
            "操你",
            "你妈逼",
            "尼玛",
            "他妈的",
            "神经病",
            "low逼",
            "狗日的",
        )
    ],
    *[(w, C.ABUSIVE, S.MEDIUM, "contempt or mockery") for w in ("垃圾人", "丢人现眼", "什么东西", "滚出去")],
    *[
        (w, C.ABUSIVE, S.HIGH, _INSULT)
        for w in (
            "retard*",
            "imbecile",
            "dumbass",
            "asshole*",
            "bastard*",
            "scumbag",
            "cunt*",
            "twat",
            "wanker",
        )
    ],
    # Mild words that friends also use in banter: a signal, not a violation on their own.
    *[(w, C.ABUSIVE, S.MEDIUM, "an insult") for w in ("idiot*", "moron*", "stupid", "loser", "bitch*")],
    *[
        (w, C.ABUSIVE, S.HIGH, "a threat or incitement to self-harm")
        for w in (
            "kill yourself",
            "kys",
            "go die",
            "i will kill you",
            "i'll kill you",
            "你怎么不去死",
            "弄死你",
            "杀了你",
            "убей себя",
            "убью тебя",
        )
    ],
    *[(w, C.ABUSIVE, S.HIGH, _INSULT) for w in ("идиот*", "дебил*", "тупая", "тупой", "урод*", "мудак*")],
    *[(w, C.ABUSIVE, S.HIGH, "discrimination") for w in ("nigger*", "faggot*", "黑鬼", "支那")],
]

VULGAR: list[Entry] = [
    *[
        (w, C.VULGAR, S.MEDIUM, _PROFANITY)
        for w in (
            "fuck*",
            "shit*",
            "motherfucker*",
            "dickhead",
            "bullshit",
            "wtf",
            "хуй*",
            "хуе*",
            "пизд*",
            "бля*",
            "ебат*",
            "ебан*",
            "сука",
            "我操",
            "卧槽",
            "妈的",
            "狗屎",
            "鸡巴",
            "屌",
        )
    ],
    *[
        (w, C.VULGAR, S.HIGH, _SEXUAL)
        for w in (
            "porn*",
            "nudes",
            "sex chat",
            "hookup",
            "escort*",
            "onlyfans",
            "约炮",
            "裸聊",
            "色情",
            "黄片",
            "一夜情",
            "援交",
            "成人视频",
            "看片加",
            "小电影",
            "楼凤",
            "上门服务",
            "兼职妹",
            "裸照",
        )
    ],
]

SPAM_ADS: list[Entry] = [
    *[
        (w, C.SPAM_ADS, S.HIGH, "advertises easy money (a common scam)")
        for w in (
            "刷单",
            "日赚",
            "日结",
            "躺赚",
            "稳赚",
            "网赚",
            "零投资",
            "零成本创业",
            "宝妈兼职",
            "在家赚钱",
            "手机赚钱",
            "兼职赚钱",
            "高额返利",
            "带你赚钱",
            "轻松月入",
            "月入过万",
            "招代理",
            "代理招募",
            "earn from home",
            "guaranteed profit*",
            "investment platform",
            "binary option*",
            "forex trading",
            "crypto signals",
            "double your money",
            "passive income",
            "withdrawal of",
            "заработок в интернете",
            "заработок в сети",
            "заработок удалённо",
            "удалённый заработок",
            "дополнительный доход",
            "пассивный доход",
        )
    ],
    *[
        (w, C.SPAM_ADS, S.MEDIUM, "advertising language")
        for w in (
            "免费领取",
            "点击领取",
            "扫码领",
            "进群领",
            "加群领",
            "限时优惠",
            "优惠码",
            "代购",
            "引流",
            "涨粉",
            "刷粉",
            "卡网",
            "外挂",
            "辅助卡密",
            "科学上网",
            "机场节点",
            "翻墙",
            "贷款",
            "套现",
            "信用卡代还",
            "free entry",
            "claim your",
            "you have won",
            "you've won",
            "click the link",
            "click on the link",
            "limited offer",
            "act now",
            "cash prize",
            "free gift",
        )
    ],
    *[
        (w, C.ILLEGAL, S.CRITICAL, "gambling, fraud or other illegal trade")
        for w in (
            "博彩",
            "菠菜",
            "时时彩",
            "六合彩",
            "百家乐",
            "网赌",
            "赌场",
            "代开发票",
            "办证",
            "买卖银行卡",
            "出售银行卡",
            "收银行卡",
            "跑分",
            "洗钱",
            "枪支",
            "冰毒",
            "大麻",
            "迷药",
            "代孕",
            "裸贷",
            "casino bonus",
            "sell bank account*",
        )
    ],
]

OTHER: list[Entry] = [
    *[
        (w, C.SUPERSTITION, S.MEDIUM, "superstition or fortune-telling for money")
        for w in (
            "算命",
            "转运",
            "改运",
            "开光",
            "风水大师",
            "驱邪",
            "化解灾",
            "看相",
            "请神",
            "符咒",
            "招财符",
            "fortune teller",
            "love spell*",
            "spell caster",
        )
    ],
    *[
        (w, C.CLICKBAIT, S.LOW, "clickbait wording")
        for w in (
            "震惊",
            "速看",
            "马上删",
            "赶紧看",
            "不转不是",
            "99%的人不知道",
            "看完沉默",
            "紧急通知",
            "刚刚曝光",
            "you won't believe",
            "shocking truth",
        )
    ],
    *[
        (w, C.FALSE_INFO, S.MEDIUM, "claims to speak for an official or the platform")
        for w in (
            "官方客服",
            "我是群主",
            "群主让我",
            "平台通知",
            "账号异常",
            "冻结账户",
            "official support",
            "admin here",
        )
    ],
    *[
        (w, C.FAN_CHAOS, S.MEDIUM, "fan-circle fighting or fundraising")
        for w in (
            "控评",
            "撕逼",
            "打投",
            "集资",
            "反黑站",
            "对家",
            "拉踩",
            "引战",
        )
    ],
]

# Asking people to move to a private channel or an outside contact: the first step of most ad funnels.
CONTACT_PHRASES: list[Entry] = [
    *[
        (w, C.SPAM_ADS, S.MEDIUM, "asks members to add an outside contact")
        for w in (
            "加v",
            "加vx",
            "加wx",
            "加微",
            "加薇",
            "加威",
            "加卫",
            "加q",
            "加qq",
            "加扣",
            "加企鹅",
            "加我",
            "加好友",
            "v信",
            "vx",
            "微x",
            "wei信",
            "薇信",
            "威信",
            "卫星号",
            "v我",
            "扣扣",
            "企鹅号",
            "加群",
            "进群",
            "联系我",
            "联系方式",
            "私聊",
            "私信我",
            "私我",
            "滴滴我",
            "小窗",
            "找我拿",
            "详情私",
            "详情咨询",
            "咨询我",
            "主页联系",
            "dm me",
            "pm me",
            "inbox me",
            "message me privately",
            "write me privately",
            "text me on",
            "contact me on",
            "whatsapp me",
            "add me on",
            "message me on",
            "hit me up",
            "dm for",
            "contact their agent",
            "send me a message",
        )
    ],
    # The Russian stop phrases from tg-spam, normalised (look-alike letters resolved).
    *[
        (w, C.SPAM_ADS, S.MEDIUM, "asks members to write privately")
        for w in (
            "в личку",
            "в лс",
            "писать в лс",
            "пишите в лс",
            "напишите в лс",
            "в личные сообщения",
            "в личных сообщениях",
            "личных сообщениях",
            "в личные",
            "детали в лс",
            "напиши мне",
            "напишите мне",
            "пишите мне",
        )
    ],
]

DEFAULT_ENTRIES: list[Entry] = [*ABUSIVE, *VULGAR, *SPAM_ADS, *OTHER]
