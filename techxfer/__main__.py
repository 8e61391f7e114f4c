from __future__ import annotations

from techxfer.cli import main

main()
