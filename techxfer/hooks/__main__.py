"""``python -m techxfer.hooks HOOK-TYPE [--hook-dir DIR] -- ARGS``: what the shims exec.

Kept apart from the click CLI so a hook pays only for what it uses.
"""

from __future__ import annotations

import sys

from techxfer.hooks.impl import main

sys.exit(main(sys.argv[1:]))
