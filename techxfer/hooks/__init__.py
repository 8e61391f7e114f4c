"""Git hook implementations and their installer (pre-commit's habits, STYLE.md)."""
