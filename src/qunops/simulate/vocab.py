"""Words the simulator speaks: people's names, group topics per group type, message templates.

Everything here is data. The generator turns it into per-group text pools once per group, so producing
a message costs one index into a list. Topic keywords recur in a group's messages on purpose: keyword
extraction over a simulated group should find what the group is about.
"""

from __future__ import annotations

from dataclasses import dataclass

from qunops.core.registry import GroupType

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔"
    "钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜敏静丽强磊洋艳勇军杰娟涛明超秀霞平刚英华玲建文辉晨鑫宇浩然涵欣怡萱诺轩远琪桐熙嘉婷梅燕雪菲悦航琳"
)
EN_GIVEN = (
    "Leo",
    "Mia",
    "Coco",
    "Kevin",
    "Amy",
    "Jason",
    "Lily",
    "Tony",
    "Vivian",
    "Eric",
    "Grace",
    "Alex",
    "Ivy",
    "Sam",
    "Jack",
    "Lucy",
    "Ben",
    "Emma",
    "Oscar",
    "Yuki",
    "Nina",
    "Ryan",
    "Zoe",
    "Max",
    "Anna",
    "David",
    "Cindy",
    "Frank",
    "Helen",
    "Peter",
    "Sunny",
    "Wendy",
    "Chris",
    "Joy",
    "Kelly",
    "Michael",
    "Olivia",
    "Tom",
)
EN_SURNAMES = (
    "Chen",
    "Wang",
    "Smith",
    "Lee",
    "Zhang",
    "Kim",
    "Liu",
    "Brown",
    "Ng",
    "Lin",
    "Patel",
    "Ivanov",
    "Garcia",
    "Tan",
    "Nguyen",
    "Müller",
    "Sato",
    "Wong",
    "Khan",
    "Silva",
)
NAME_DECOR = ("🌸", "🍀", "☀️", "🐱", "🌙", "✨", "🍊", "🎈", "")
CITIES = ("上海", "北京", "深圳", "杭州", "广州", "成都", "南京", "武汉", "西安", "苏州", "长沙", "厦门")
EN_CITIES = ("Shanghai", "Beijing", "Shenzhen", "Hangzhou", "Guangzhou", "Chengdu", "Suzhou", "Xiamen")
JOBS = ("设计师", "产品", "运营", "程序员", "老师", "宝妈", "销售", "会计", "学生", "律师", "医生", "HR")


@dataclass(frozen=True, slots=True)
class Topic:
    """What a group is about, in one language: how it is named, why it exists, what its members say."""

    group_type: GroupType
    lang: str  # "zh" or "en"
    names: tuple[str, ...]  # name patterns; {n} is a group number, {city} a city
    purpose: str
    keywords: tuple[str, ...]
    daily_topics: tuple[str, ...]


T = GroupType
TOPICS: tuple[Topic, ...] = (
    # interest
    Topic(
        T.INTEREST,
        "zh",
        ("{city}跑步爱好者{n}群", "晨跑打卡俱乐部", "{city}跑团交流群"),
        "跑友交流训练心得、约跑和装备，帮助新手安全完成第一个半马",
        ("跑步", "配速", "半马", "全马", "跑鞋", "心率", "拉伸", "晨跑", "间歇跑", "膝盖", "补给", "马拉松"),
        ("你们一周跑几次？", "第一次跑半马最需要注意什么？", "大家的跑鞋是怎么选的？", "冬天晨跑怎么热身？"),
    ),
    Topic(
        T.INTEREST,
        "zh",
        ("手冲咖啡研究所{n}群", "{city}咖啡爱好者", "咖啡豆交流群"),
        "交流手冲咖啡的器具、豆子和冲煮参数，分享好店",
        ("手冲", "咖啡豆", "烘焙度", "研磨", "水温", "粉水比", "滤杯", "拉花", "意式", "耶加雪菲", "磨豆机"),
        ("最近在喝什么豆子？", "粉水比你们用多少？", "入门磨豆机推荐哪款？", "浅烘和深烘你们更喜欢哪个？"),
    ),
    Topic(
        T.INTEREST,
        "zh",
        ("摄影后期交流{n}群", "{city}扫街摄影群", "胶片摄影爱好者"),
        "分享作品、互相点评构图和后期，组织线下扫街",
        ("摄影", "镜头", "光圈", "快门", "构图", "后期", "调色", "胶片", "扫街", "人像", "风光", "焦段"),
        ("晒一张本周最满意的照片", "新手第一支镜头买什么焦段？", "调色你们用什么预设？"),
    ),
    Topic(
        T.INTEREST,
        "en",
        ("Shanghai Trail Runners", "Weekend Hikers {city}", "Sunrise Running Club #{n}"),
        "Plan group runs and hikes, share routes and gear, help beginners get to their first race",
        (
            "trail",
            "pace",
            "route",
            "shoes",
            "hydration",
            "elevation",
            "race",
            "long run",
            "stretching",
            "injury",
            "marathon",
            "hike",
        ),
        (
            "Who's in for the Saturday long run?",
            "Best trail shoes for muddy routes?",
            "How do you pace a first half marathon?",
        ),
    ),
    # resource
    Topic(
        T.RESOURCE,
        "zh",
        ("考研资料共享{n}群", "设计素材资源群", "电子书资源分享{n}群"),
        "集中分享整理好的学习资料和素材，按需索取，禁止倒卖",
        ("资料", "网盘", "链接", "真题", "素材", "模板", "电子书", "合集", "更新", "提取码", "PDF", "笔记"),
        ("大家还缺什么资料？留言统一整理", "本周资料更新清单已发，请查收", "有没有人需要历年真题？"),
    ),
    Topic(
        T.RESOURCE,
        "en",
        ("Free Design Assets #{n}", "Dev Resources Drop", "Open Courseware Share"),
        "Share curated design assets, templates and learning resources; no reselling",
        (
            "template",
            "assets",
            "download",
            "link",
            "ebook",
            "icons",
            "fonts",
            "course",
            "notes",
            "update",
            "mockup",
            "bundle",
        ),
        ("What resources should we collect next?", "New template bundle is up, check the pinned link"),
    ),
    # consultant
    Topic(
        T.CONSULTANT,
        "zh",
        ("留学申请咨询{n}群", "装修避坑咨询群", "保险规划答疑群"),
        "顾问在群内集中答疑，帮助成员少走弯路，有需要可预约一对一",
        ("留学", "申请", "文书", "雅思", "托福", "offer", "签证", "选校", "GPA", "推荐信", "面试", "奖学金"),
        ("今年申请季大家都准备到哪一步了？", "文书有什么常见的坑？", "雅思和托福怎么选？"),
    ),
    Topic(
        T.CONSULTANT,
        "zh",
        ("装修交流答疑{n}群", "{city}装修业主群"),
        "业主交流装修流程和避坑经验，设计师在线答疑",
        ("装修", "水电", "瓷砖", "吊顶", "全屋定制", "预算", "工长", "防水", "橱柜", "甲醛", "验收", "设计"),
        ("水电改造大家花了多少钱？", "全屋定制怎么避坑？", "验收时要注意哪些细节？"),
    ),
    # industry
    Topic(
        T.INDUSTRY,
        "zh",
        ("跨境电商卖家交流{n}群", "亚马逊运营实战群", "独立站出海交流群"),
        "跨境卖家交流选品、物流、广告和平台政策，资源互通",
        (
            "跨境",
            "亚马逊",
            "选品",
            "物流",
            "独立站",
            "广告",
            "ACOS",
            "FBA",
            "旺季",
            "退货",
            "关税",
            "Listing",
        ),
        ("今年旺季备货大家备了多少？", "广告ACOS一般控制在多少？", "有没有靠谱的物流推荐？"),
    ),
    Topic(
        T.INDUSTRY,
        "zh",
        ("新媒体运营交流{n}群", "小红书运营实战群", "私域运营研究社"),
        "运营人交流涨粉、内容和私域转化的方法，互相链接资源",
        (
            "新媒体",
            "公众号",
            "小红书",
            "抖音",
            "涨粉",
            "转化",
            "私域",
            "社群",
            "选题",
            "数据",
            "投放",
            "复购",
        ),
        ("最近小红书限流大家遇到了吗？", "社群转化率你们能做到多少？", "公众号打开率还有救吗？"),
    ),
    Topic(
        T.INDUSTRY,
        "en",
        ("Indie Hackers China", "SaaS Founders Circle #{n}", "Product Managers Guild"),
        "Founders and PMs trade notes on growth, pricing and hiring; share intros",
        (
            "pricing",
            "churn",
            "growth",
            "SaaS",
            "MRR",
            "launch",
            "hiring",
            "roadmap",
            "onboarding",
            "funnel",
            "retention",
            "users",
        ),
        ("What moved your activation rate the most this year?", "How do you price a B2B tool?"),
    ),
    # fan
    Topic(
        T.FAN,
        "zh",
        ("小鹿主播粉丝{n}群", "乐队后援会{n}群", "追剧讨论群"),
        "粉丝交流、打榜、看直播和线下应援，理性追星",
        ("直播", "打榜", "应援", "签名", "演唱会", "新歌", "周边", "抽奖", "饭拍", "超话", "宠粉", "专辑"),
        ("今晚直播大家都来吗？", "演唱会门票抢到了吗？", "新歌你们最喜欢哪一句？"),
    ),
    Topic(
        T.FAN,
        "en",
        ("Official Fan Club #{n}", "K-pop Fans Shanghai"),
        "Fans share news, streams and meetups for the band",
        ("concert", "album", "tour", "tickets", "merch", "stream", "fancam", "live", "setlist", "meetup"),
        ("Who got tickets for the tour?", "Favourite track from the new album?"),
    ),
    # learning
    Topic(
        T.LEARNING,
        "zh",
        ("Python入门打卡营{n}期", "英语口语打卡{n}群", "考研数学刷题群"),
        "21天学习打卡，每日作业、答疑和互相督促，坚持完成课程",
        (
            "Python",
            "代码",
            "函数",
            "作业",
            "打卡",
            "报错",
            "列表",
            "循环",
            "爬虫",
            "数据分析",
            "课程",
            "练习",
        ),
        ("今天的作业大家完成了吗？", "报错看不懂的可以贴出来一起看", "学到第几课了？"),
    ),
    Topic(
        T.LEARNING,
        "zh",
        ("英语口语陪练{n}群", "雅思口语打卡群"),
        "每天一个话题练口语，互相纠音，坚持打卡",
        ("口语", "发音", "单词", "打卡", "听力", "语法", "雅思", "跟读", "美剧", "词汇", "音标", "练习"),
        ("今天的口语话题：你最喜欢的城市", "大家背单词用什么方法？"),
    ),
    Topic(
        T.LEARNING,
        "en",
        ("Python Study Sprint #{n}", "Data Science Study Group"),
        "A cohort that studies together: daily exercises, code review and questions",
        (
            "python",
            "code",
            "function",
            "error",
            "exercise",
            "pandas",
            "numpy",
            "homework",
            "loop",
            "notebook",
            "debug",
            "course",
        ),
        ("Post your solution to today's exercise", "Who is stuck on the pandas chapter?"),
    ),
    # regional
    Topic(
        T.REGIONAL,
        "zh",
        ("{city}宝妈交流{n}群", "{city}同城生活群", "{city}租房互助群"),
        "同城邻里交流生活信息、二手闲置和周末活动",
        ("同城", "周末", "带娃", "幼儿园", "二手", "租房", "地铁", "美食", "遛娃", "小区", "活动", "闲置"),
        ("周末有什么遛娃的好地方？", "附近有没有靠谱的幼儿园推荐？", "有人一起拼车吗？"),
    ),
    Topic(
        T.REGIONAL,
        "en",
        ("Shanghai Expats Network", "Shenzhen Foreigners Hub #{n}"),
        "Expats in the city share tips on housing, visas, food and weekend plans",
        ("apartment", "visa", "metro", "restaurant", "weekend", "rent", "bank", "expat", "doctor", "moving"),
        ("Any good brunch spots near Jing'an?", "Who knows a reliable moving company?"),
    ),
    # event
    Topic(
        T.EVENT,
        "zh",
        ("双11福利抢购{n}群", "线下读书会报名群", "{city}年终分享会活动群"),
        "活动期间集中通知、答疑和福利发放，活动结束后解散",
        ("活动", "报名", "福利", "抢购", "优惠券", "秒杀", "直播间", "签到", "嘉宾", "流程", "抽奖", "现场"),
        ("活动流程已发群公告，请大家查看", "明晚8点直播间秒杀，记得定闹钟"),
    ),
    Topic(
        T.EVENT,
        "en",
        ("Demo Day Attendees", "Launch Week Beta Testers"),
        "Coordinate the event week: schedule, questions and follow-ups; closes after the event",
        ("event", "schedule", "speakers", "venue", "tickets", "beta", "feedback", "demo", "agenda", "signup"),
        ("Agenda for tomorrow is pinned", "Please share your feedback after the demo"),
    ),
    # customer service
    Topic(
        T.CUSTOMER_SERVICE,
        "zh",
        ("小米家电售后服务{n}群", "品牌会员服务群", "课程学员服务群"),
        "购买后的使用指导、售后和物流问题统一在群内处理",
        ("订单", "发货", "物流", "退款", "售后", "换货", "发票", "安装", "保修", "客服", "快递", "说明书"),
        ("售后问题请直接@客服并附上订单号", "本周发货安排已更新"),
    ),
    # first purchase
    Topic(
        T.FIRST_PURCHASE,
        "zh",
        ("新人首单福利群{n}", "新客专享优惠群"),
        "新客户首单后的使用指导和复购优惠，引导加入长期会员群",
        ("首单", "优惠券", "满减", "下单", "复购", "会员", "新品", "试用", "包邮", "积分", "拼团", "返现"),
        ("首单优惠券今晚24点过期，记得使用", "新品试用名额报名中"),
    ),
)

# Message templates. {a} {b} are two keywords of the group's topic.
ZH_STATEMENTS = (
    "我觉得{a}最重要的是坚持",
    "昨天试了一下{a}，效果还不错",
    "分享一个{a}的小技巧：先{a}再{b}",
    "{a}真的是越研究越有意思",
    "同意楼上，{a}要看具体情况",
    "{a}这块我踩过坑，{b}一定要提前准备",
    "刚看到一篇讲{a}的文章，写得挺好",
    "{a}和{b}其实是一回事",
    "最近在搞{a}，进度有点慢",
    "今天{a}打卡完成✅",
    "{b}的话我一般会多留点时间",
    "说到{a}，我上周刚好遇到",
    "{a}我用了三个月，感觉{b}提升很明显",
    "周末准备研究一下{b}",
    "{a}还是得多练",
    "楼上说的{b}我也有同感",
    "感谢分享，{a}这个思路很清楚",
    "我们那边{a}现在很火",
    "{b}价格最近涨了不少",
    "收藏了，回头慢慢看{a}",
)
ZH_CHITCHAT = (
    "哈哈哈",
    "👍",
    "收到",
    "学到了",
    "+1",
    "确实",
    "好的好的",
    "早上好",
    "晚安",
    "[强]",
    "太真实了",
    "有道理",
    "谢谢分享",
    "😂😂",
    "赞",
    "是的",
    "我也是",
    "厉害了",
    "辛苦了",
    "冲！",
)
ZH_QUESTIONS = (
    "请问{a}有什么推荐吗？",
    "大家{a}一般怎么处理？",
    "有没有人做过{a}？",
    "{a}和{b}哪个好？",
    "新手想问下{a}如何入门？",
    "{a}是不是要先{b}啊？",
    "请问一下{b}怎么弄？",
    "{a}贵吗？",
    "有没有{a}的资料可以分享？",
    "{a}到底怎么选？",
    "你们{b}一般花多长时间？",
    "如何避免{a}的坑？",
)
ZH_ANSWERS = (
    "建议先从{a}开始，{b}放到后面",
    "这个要看情况，一般{a}就够了",
    "我之前总结过{a}，核心就是{b}",
    "{a}的话推荐先看基础，再去练{b}",
    "不用太纠结，{a}都可以，关键是{b}",
    "可以看下群公告里的{a}合集",
    "我来说一下：{a}主要注意三点，第一是{b}",
    "之前有人问过，{a}先别急着买，先把{b}搞清楚",
    "{b}其实不难，按步骤来就行",
    "我一般是先{a}，效果比较稳定",
)
ZH_THANKS = ("谢谢{who}！", "明白了，谢谢{who}", "感谢{who}，解决了🙏", "懂了，多谢{who}")
ZH_OL_REACT = ("说得太对了{who}", "{who}这个观点我赞同", "同意{who}", "{who}总结得好", "学习了{who}")
ZH_GREETINGS = (
    "大家好，我是{name}，做{job}的，请多关照🙏",
    "大家好～新人报到",
    "hello大家好，我是{name}，来自{city}",
    "新人求带，大家好😊",
    "大家好，感谢邀请，我是{name}",
)
ZH_RP_THANKS = ("谢谢老板🧧", "谢谢红包", "抢到了，谢谢", "老板大气", "谢谢🙏")

EN_STATEMENTS = (
    "I think {a} matters more than people admit",
    "Tried {a} yesterday, worked pretty well",
    "Quick tip on {a}: sort out {b} first",
    "{a} gets more interesting the deeper you go",
    "Agree, {a} depends a lot on {b}",
    "Made that {a} mistake last year, plan {b} early",
    "Great write-up on {a} today",
    "Working on {a} this week, slow progress",
    "Done with {a} today ✅",
    "Our {b} improved a lot after we changed {a}",
    "Planning to dig into {b} this weekend",
    "Saved it, will read about {a} later",
    "{b} prices went up again",
)
EN_CHITCHAT = ("lol", "👍", "thanks!", "+1", "true", "nice", "morning all", "good night", "haha", "same here")
EN_QUESTIONS = (
    "Any recommendations for {a}?",
    "How do you usually handle {a}?",
    "Has anyone tried {a}?",
    "{a} or {b}, which is better?",
    "How do I get started with {a}?",
    "Do I need {b} before {a}?",
    "Where can I find good {a} material?",
    "How long does {b} usually take you?",
)
EN_ANSWERS = (
    "Start with {a}, leave {b} for later",
    "Depends, but {a} is usually enough",
    "The key to {a} is {b}",
    "Check the pinned {a} list",
    "Don't overthink it, {a} works, {b} is what matters",
    "I usually do {a} first, more predictable",
    "{b} isn't hard, just follow the steps",
)
EN_THANKS = ("thanks {who}!", "got it, thank you {who}", "that solved it, thanks {who} 🙏")
EN_OL_REACT = ("great point {who}", "agree with {who}", "{who} nailed it", "this ^ {who}")
EN_GREETINGS = (
    "Hi all, {name} here, working in {job}",
    "Hello everyone! new here",
    "Hey, thanks for the invite!",
)
EN_RP_THANKS = ("thanks boss 🧧", "thank you!")

ZH_WELCOME = "欢迎{names}加入{group}🎉 请先看群公告，改群昵称：城市-职业-昵称，有问题随时问～"
EN_WELCOME = "Welcome {names} to {group} 🎉 Please read the pinned rules and introduce yourself!"
ZH_TOPIC = "【每日话题】{topic} 欢迎大家一起聊聊～"
EN_TOPIC = "Today's topic: {topic} Share your thoughts!"
ZH_DIGEST = "【早报】{date} 今日{a}要闻速览：1. {a}新动态 2. {b}实用技巧 3. 群友精华回顾"
EN_DIGEST = "Morning digest {date}: 1. {a} news 2. {b} tips 3. best of yesterday's chat"
ZH_BREAKERS = (
    "大家最近在忙什么呀？{a}相关的问题随时来问～",
    "好久没聊天了，冒个泡，说说最近的{a}吧",
    "今天发个小福利，聊聊{b}的同学有机会领取哦",
)
EN_BREAKERS = (
    "It's been quiet here, what's everyone working on with {a}?",
    "Anyone still doing {b}? Let's chat!",
)
ZH_RULES = (
    "群规：1. 禁止发广告、二维码和拉人；2. 友善交流，禁止人身攻击；3. 与{a}无关的刷屏会被提醒，"
    "屡次违规移出群聊。群主题：{purpose}"
)
EN_RULES = (
    "Rules: 1. no ads or spam links 2. be kind 3. stay on topic ({a}). "
    "Repeat offenders are removed. {purpose}"
)
ZH_CLOSING = "本期活动已圆满结束，感谢大家参与！本群即将解散，后续福利请关注公众号～"
EN_CLOSING = "The event is over, thank you all! This group will close soon; follow our channel for updates."
ZH_RP_OPERATOR = ("周五红包雨🧧手慢无", "感谢大家支持，发个红包", "恭喜发财，大吉大利", "签到红包来啦")
ZH_BOT_MORNING = "早安☀️ 今天是{date}，记得完成今日打卡，群内禁止广告，违者自动警告。"
EN_BOT_MORNING = "Good morning ☀️ {date}. Reminder: no ads, be kind, check the pinned links."
ZH_BOT_WELCOME = "欢迎新成员{names}！发送「群规」查看规则。"
EN_BOT_WELCOME = "Welcome {names}! Send /rules to read the group rules."

SPAM_ZH = (
    "兼职日结300+，宝妈学生都可以，有意加V：{wx}",
    "低价代购大牌，正品保证，薇信 {wx}",
    "免费领取{a}全套资料，加vx {wx} 备注群名",
    "QQ {qq} 进群领福利，名额有限",
    "点击领取现金红包 http://t.cn/{code}",
    "刷单返利，一单一结，+V {wx}",
    "加 V♥：{wx} 带你赚钱，日入过千",
    "内部渠道{a}优惠，联系 v x：{wx}",
)
SPAM_EN = (
    "DM me for crypto signals, 100x guaranteed 🚀 t.me/{code}",
    "USDT arbitrage, earn $500/day, DM me now",
    "Free {a} course giveaway, click http://bit.ly/{code}",
    "Investment opportunity, contact whatsapp +1 {qq}",
)
SPAMMER_NAMES = (
    "福利官小美",
    "兼职招聘",
    "VX同号",
    "Crypto Signals 💰",
    "代购Amy",
    "领红包助手",
    "Lisa投资",
    "客服-小雨",
)

PLATFORM_BOTS = {
    "wechat": ("群助手小Q", "wxid_qunbot_assistant"),
    "qq": ("Q群管家", "2854196310"),
    "telegram": ("QunOps Helper", "7004218535"),
}
OPERATOR_NAMES = (
    "社群小助手Amy",
    "运营-小悦",
    "官方小Q",
    "客服-Leo",
    "运营喵",
    "社群管家Mia",
    "小鹿运营",
    "Community Team",
)
ROOT_SOURCES = ("official_account", "weibo", "xiaohongshu", "zhihu", "offline_leaflet", "website", "douyin")
