"""WeChat exports. WeChat has no export of its own; these read what third-party tools write from the
decrypted local database: WeChatMsg/MemoTrace (CSV, TXT), PyWxDump (CSV) and WeFlow/echotrace (JSON).

Identity: members are wxids where the export has them (WeChatMsg CSV `Sender`, PyWxDump `talker`, WeFlow
`senderUsername`, sysmsgtemplate XML); the TXT export has display names only. Groups are the chatroom id
(`…@chatroom`) where the export has it (PyWxDump `room_name`, WeFlow `session.wxid`); WeChatMsg files carry
no chat id, so their group is `wechatmsg:<file name without the _utf8 suffix>`, which is the contact's remark
the tool names its folder and files after. All times written as text are local times.
"""

from qunops.importers.wechat.memotrace import MemoTraceCsv, MemoTraceText
from qunops.importers.wechat.pywxdump import PyWxDumpCsv
from qunops.importers.wechat.weflow import WeFlowJson

__all__ = ["MemoTraceCsv", "MemoTraceText", "PyWxDumpCsv", "WeFlowJson"]
