"""Student text made safe for files other programs read.

What a student's code printed can hold ANSI colour escapes and control characters (a NUL,
a bell). XML 1.0 forbids them outright (one would make a JUnit file unreadable), and
Markdown and Gradescope's text boxes would show them as garbage, so every file reporter
passes such text through :func:`printable`.
"""

from __future__ import annotations

import re

ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
#: Characters outside XML 1.0's Char production: control characters, lone surrogates, FFFE/FFFF.
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def printable(text: str) -> str:
    """Drop colour escapes and replace other forbidden characters with U+FFFD."""
    return NOT_XML.sub("\ufffd", ANSI.sub("", str(text)))
