"""whatstk parsing the WhatsApp file into memory (what it does; it stores nothing)."""

from __future__ import annotations

import sys

from whatstk import WhatsAppChat

chat = WhatsAppChat.from_source(filepath=sys.argv[1], hformat="%d/%m/%Y, %H:%M - %name:", max_size=None)
print(len(chat.df))
