"""Where a scene starts in a script: a slugline (`INT. KITCHEN - NIGHT`), or a heading line
(`# The call`, `Scene 3`, `Act II`). Shared by segmentation, the reading of script blocks and
every segmenter."""

from __future__ import annotations

import re

SLUGLINE = re.compile(r"^[ \t]*(?:INT\./EXT\.|INT/EXT\.?|EXT\./INT\.|I/E\.?|INT\.|EXT\.|EST\.)[ \t]+\S.*$",
                      re.MULTILINE | re.IGNORECASE)
HEADING = re.compile(
    r"^[ \t]*(?:#{1,6}[ \t]+\S.*|(?:scene|SCENE|Scene)[ \t]+(?:\d+|[IVXLC]+)\b.*|(?:act|ACT|Act)[ \t]+(?:\d+|[IVXLC]+)\b.*)$",
    re.MULTILINE)
