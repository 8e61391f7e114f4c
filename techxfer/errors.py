"""The one error hierarchy of techxfer.

Library code raises these and never prints or exits; ``techxfer.cli.main`` is the
only place that turns them into a message and an exit status (2: could not run).
"""

from __future__ import annotations

from collections.abc import Callable

from techxfer.findings import Msg


class TechxferError(Exception):
    """Base error: ``str(error)`` is the one-line diagnostic shown to the user.

    MESSAGE (and HINT) may be a catalogued message (``findings.msg``): ``message`` is then
    its English and ``said`` the message, which the command line shows in the language the
    user asked for."""

    def __init__(self, message: str | Msg, *, hint: str | Msg | None = None) -> None:
        self.said = message if isinstance(message, Msg) else None
        self.hint_said = hint if isinstance(hint, Msg) else None
        text = message.text if isinstance(message, Msg) else message
        super().__init__(text)
        self.message = text
        self.hint = hint.text if isinstance(hint, Msg) else hint

    def diagnostic(self, render: Callable[[Msg], str] | None = None,
                   hint_label: str = "hint: ") -> str:
        """The message and hint, each rendered by RENDER where it is catalogued."""
        text = render(self.said) if render and self.said else self.message
        hint = render(self.hint_said) if render and self.hint_said else self.hint
        if hint:
            return f"{text}\n  {hint_label}{hint}"
        return text


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
