"""The one error hierarchy of techxfer.

Library code raises these and never prints or exits; ``techxfer.cli.main`` is the
only place that turns them into a message and an exit status (2: could not run).
"""

from __future__ import annotations


class TechxferError(Exception):
    """Base error: ``str(error)`` is the one-line diagnostic shown to the user."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def diagnostic(self) -> str:
        if self.hint:
            return f"{self.message}\n  hint: {self.hint}"
        return self.message


class ConfigError(TechxferError):
    """A configuration or record file cannot be read: missing, malformed YAML, bad value."""


class SchemaError(ConfigError):
    """A file breaks its JSON Schema. ``problems`` holds one line per violation."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        shown = "\n".join(f"  {p}" for p in problems[:20])
        more = f"\n  … and {len(problems) - 20} more" if len(problems) > 20 else ""
        super().__init__(f"{source} does not follow its schema:\n{shown}{more}")


class UsageError(TechxferError):
    """The command was called with arguments that cannot work (unknown party, bad path)."""


class GitError(TechxferError):
    """git failed or the repository is not in a usable state."""


class SigningError(TechxferError):
    """A commit could not be signed (no key, agent refused, wrong key)."""


class SignatureError(TechxferError):
    """A signature does not verify. Raised by the verification primitives (fail closed)."""


class RefusedError(TechxferError):
    """The requested change would break the policy; nothing was written."""
