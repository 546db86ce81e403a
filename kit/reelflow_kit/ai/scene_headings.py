"""Where a scene starts in a script: a slugline (`INT. KITCHEN - NIGHT`), or a heading line
(`# The call`, `Scene 3`, `Act II`). Shared by segmentation, the reading of script blocks and
every segmenter."""

from __future__ import annotations

import re

SLUGLINE = re.compile(
    r"^[ \t]*(?:INT\./EXT\.|INT/EXT\.?|EXT\./INT\.|I/E\.?|INT\.|EXT\.|EST\.)[ \t]+\S.*$", re.MULTILINE | re.IGNORECASE
)
HEADING = re.compile(
    r"^[ \t]*(?:#{1,6}[ \t]+(?![#\s]*$)\S.*"
    r"|(?:scene|SCENE|Scene)[ \t]+(?:\d+|[IVXLC]+)\b.*"
    r"|(?:act|ACT|Act)[ \t]+(?:\d+|[IVXLC]+)\b.*)$",
    re.MULTILINE,
)
SCENE_BREAK = re.compile(r"^[ \t]*(?:⁂+|(?:[*\-_~•·#=][ \t]*){3,})[ \t]*$", re.MULTILINE)
"""A line of three or more `*`, `-`, `_`, `~`, `•`, `·`, `#` or `=` (spaced or not), or of asterisms
(`* * *`, `***`, `---`, `⁂`): a break between scenes of a book, never read aloud."""
