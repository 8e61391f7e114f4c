"""Finding a CJK font for the PDFs (transfer list, retention report, controlled-copy stamp).

techxfer ships no font: Chinese text needs one installed on the system. The search is
cheap: TECHXFER_CJK_FONT, then a few known paths, then one glob over the font folders.
"""

from __future__ import annotations

import os
from pathlib import Path

from techxfer.errors import UsageError

KNOWN = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "/System/Library/Fonts/STHeiti Light.ttc",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simsun.ttc",
)
FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path("~/.local/share/fonts"))
PATTERNS = ("*wqy*.tt?", "*NotoSansCJK*.tt?", "*NotoSerifCJK*.tt?", "*SourceHanSans*.tt?",
            "*NotoSansSC*.?tf", "*DroidSansFallback*.ttf")
INSTALL_HINT = ("install a CJK font, e.g. on Debian/Ubuntu: apt-get install fonts-wqy-microhei "
                "(or fonts-noto-cjk); or point TECHXFER_CJK_FONT at a .ttf/.ttc/.otf file")


def find_cjk_font() -> Path:
    """The CJK font to use; UsageError saying what to install when there is none."""
    override = os.environ.get("TECHXFER_CJK_FONT")
    if override:
        path = Path(override)
        if not path.is_file():
            raise UsageError(f"TECHXFER_CJK_FONT={override}: no such font file", hint=INSTALL_HINT)
        return path
    for known in KNOWN:
        if Path(known).is_file():
            return Path(known)
    for folder in FONT_DIRS:
        base = folder.expanduser()
        if base.is_dir():
            for pattern in PATTERNS:
                for found in sorted(base.rglob(pattern)):
                    if found.is_file():
                        return found
    raise UsageError("PDF output needs a font with Chinese characters and none was found",
                     hint=INSTALL_HINT)
