"""Reader changes that make a library read some of its files once more.

Kept apart from the readers: every indexing run asks for these, and importing the mail
reader for them pulled in its parsers (bs4, charset_normalizer, email, dateutil: 119
modules, ≈230 ms of holding the interpreter in the app's first run, a UI stall).
"""

from __future__ import annotations

MAIL_KINDS = ("email", "mbox", "msg")
# Libraries indexed before attachments were read re-read their mail once (library.py).
REREAD = ("mail-attachments", "1", MAIL_KINDS)
