"""Test isolation and real-world fixtures.

Every test runs with its own HOME, an empty global git config, no system config and an
empty template directory, so nothing of the machine's git setup leaks in (the habit of
pre-commit's tests). Keys are real keys made by ssh-keygen. The PDF tests use the CJK font
that the test extra installs (see tests/data/README.md), so no system font is needed.

``techxfer()`` runs the command line's ``main`` in the test's own process (a new interpreter
was most of a short command's time); git, ssh-keygen and the hooks git runs are real
processes as ever, and a call whose environment only a new process can take (libfaketime,
TZ) still starts ``python -m techxfer``. TECHXFER_TEST_SUBPROCESS=1 starts one for every
call; tests/test_cli_in_process.py shows both answer alike.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

TESTDATA = Path(__file__).resolve().parent / "data"
EXAMPLE_REPO = Path(__file__).resolve().parents[1] / "example_repo"


def _installed_cjk_font() -> str | None:
    """The CJK TrueType font of the test extra: WenQuanYi Micro Hei (Apache-2.0 or GPLv3 with
    the font exception), shipped inside the ``paperang-p2-fonts-cjk`` wheel; found through
    that distribution's file list (nothing is imported). None when it is not installed:
    techxfer then searches the system as usual."""
    from importlib import metadata

    try:
        files = metadata.files("paperang-p2-fonts-cjk") or []
    except metadata.PackageNotFoundError:
        return None
    for file in files:
        if file.name == "wqy-microhei.ttc":
            path = Path(str(file.locate()))
            if path.is_file():
                return str(path)
    return None


# A font the caller chose wins; otherwise the installed one, for this process and every
# program it starts (the CLI in subprocesses, git hooks).
CJK_FONT = os.environ.get("TECHXFER_CJK_FONT") or _installed_cjk_font()
if CJK_FONT:
    os.environ.setdefault("TECHXFER_CJK_FONT", CJK_FONT)


def pytest_configure(config: pytest.Config) -> None:
    """Compile techxfer's modules once, before any test starts the CLI. An editable install
    leaves them uncompiled, and where PYTHONDONTWRITEBYTECODE is set (as on some CI
    machines) every one of the thousands of ``techxfer`` subprocesses and git hooks would
    compile each module it imports again: a third of its start-up. Idempotent, so each
    xdist worker may do it."""
    import compileall

    import techxfer

    compileall.compile_dir(str(Path(techxfer.__file__).parent), quiet=1, workers=1)


# The files that take longest, longest first (measured: tests run file by file on the workers,
# ``--dist loadfile``, so one of these started last would finish alone). Every other file
# keeps its place after them.
LONGEST_FIRST = ["test_receipts.py", "test_robustness_server.py", "test_attacks_server.py",
                 "test_robustness.py", "test_pdf_reports.py",
                 "test_quality.py",  # mypy from a fresh clone (no cache): ~20 s
                 "test_stamp.py", "test_hooks.py", "test_retention.py", "test_release2.py",
                 "test_stamp_placement.py", "test_manifest_styles.py", "test_i18n.py",
                 "test_attacks_today.py"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: file order kept


@pytest.fixture(autouse=True)
def isolated_git(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("home")
    template = home / "git-template"
    template.mkdir()
    gitconfig = home / ".gitconfig"
    gitconfig.write_text(
        "[user]\n\tname = Test User\n\temail = test@example.invalid\n"
        "[init]\n\tdefaultBranch = main\n[commit]\n\tgpgSign = false\n"
        "[protocol \"file\"]\n\tallow = always\n"
    )
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(gitconfig))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_TEMPLATE_DIR", str(template))
    monkeypatch.setenv("GNUPGHOME", str(home / ".gnupg"))
    for var in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_AUTHOR_DATE", "GIT_COMMITTER_DATE",
                "SSH_AUTH_SOCK", "TECHXFER_LANG", "XDG_CACHE_HOME", "TECHXFER_CACHE_DIR"):
        monkeypatch.delenv(var, raising=False)
    if CJK_FONT:
        monkeypatch.setenv("TECHXFER_CJK_FONT", CJK_FONT)
    yield home


def run(*args: str | os.PathLike[str], cwd: Path | None = None, check: bool = True,
        env: dict[str, str] | None = None, input: bytes | None = None) -> subprocess.CompletedProcess[str]:
    """Run a real program; on failure show its output in the assertion."""
    full_env = None if env is None else {**os.environ, **env}
    proc = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=input is None,
                          env=full_env, input=input)
    if check and proc.returncode != 0:
        raise AssertionError(f"{args} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def git(cwd: Path, *args: str, check: bool = True, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run("git", *args, cwd=cwd, check=check, env=env)


@dataclass(frozen=True)
class SshKey:
    private: Path
    public: Path

    @property
    def public_line(self) -> str:
        return self.public.read_text().strip()


def make_ssh_key(directory: Path, name: str, kind: str = "ed25519", bits: int | None = None) -> SshKey:
    directory.mkdir(parents=True, exist_ok=True)
    private = directory / name
    args = ["ssh-keygen", "-q", "-t", kind, "-N", "", "-C", name, "-f", str(private)]
    if bits:
        args += ["-b", str(bits)]
    run(*args)
    return SshKey(private, directory / f"{name}.pub")


@pytest.fixture(scope="session")
def key_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("keys")


@pytest.fixture(scope="session")
def keys(key_dir: Path) -> dict[str, SshKey]:
    """Real ed25519 keys, made once per run: registrant and manufacturer people, an outsider."""
    names = ["zhang", "wang", "li", "zhao", "outsider"]
    return {n: make_ssh_key(key_dir, n) for n in names}


# name -> (ssh-keygen -t, -b, key type on the public line)
SSH_KINDS: dict[str, tuple[str, int | None, str]] = {
    "ed25519": ("ed25519", None, "ssh-ed25519"),
    "rsa-3072": ("rsa", 3072, "ssh-rsa"),
    "ecdsa-256": ("ecdsa", 256, "ecdsa-sha2-nistp256"),
    "ecdsa-384": ("ecdsa", 384, "ecdsa-sha2-nistp384"),
    "ecdsa-521": ("ecdsa", 521, "ecdsa-sha2-nistp521"),
}


@pytest.fixture(scope="session")
def ssh_keys(key_dir: Path) -> dict[str, SshKey]:
    """One real key of every kind (SSH_KINDS), made once per run: an RSA key takes ssh-keygen
    from a fraction of a second to several, as its primes come."""
    return {name: make_ssh_key(key_dir / "kinds", name, kind, bits)
            for name, (kind, bits, _) in SSH_KINDS.items()}


def use_signing_key(repo: Path, key: SshKey) -> None:
    """Configure the repository to sign commits with this SSH key, as a user would."""
    git(repo, "config", "gpg.format", "ssh")
    git(repo, "config", "user.signingkey", str(key.private))
    git(repo, "config", "commit.gpgSign", "true")


# -- techxfer repositories ------------------------------------------------------------------
# People of the standard test repository: (party, id, name, roles, key name).
PEOPLE = [
    ("acme", "zhang.wei", "张伟", ["quality-head"], "zhang"),
    ("acme", "wang.fang", "王芳", ["doc-control", "rd-engineer"], "wang"),
    ("fab", "li.na", "李娜", ["quality-head"], "li"),
    ("fab", "zhao.min", "赵敏", ["doc-control"], "zhao"),
]


# What a process takes only when it starts (a preloaded library, its clock, its time zone,
# the interpreter's own settings): a call with any of these in its environment runs in a
# subprocess.
_AT_START_ONLY = ("LD_PRELOAD", "FAKETIME", "TZ", "PYTHON")
# Set (to anything) to run every ``techxfer()`` call in a subprocess, as before.
SUBPROCESS_ENV = "TECHXFER_TEST_SUBPROCESS"


def techxfer(cwd: Path, *args: str, check: bool = True, env: dict[str, str] | None = None
             ) -> subprocess.CompletedProcess[str]:
    """Run the real command line, as a user would: ``main``, the CLI's one error boundary, in
    this process (``cli_in_process``), or ``python -m techxfer`` in a subprocess where the
    environment asks for what only a new process takes, or TECHXFER_TEST_SUBPROCESS is
    set. Either way the same CompletedProcess: exit status, stdout and stderr as text."""
    import sys

    if os.environ.get(SUBPROCESS_ENV) or any(k.startswith(_AT_START_ONLY) for k in env or ()):
        return run(sys.executable, "-m", "techxfer", *args, cwd=cwd, check=check, env=env)
    proc = cli_in_process(cwd, args, env)
    if check and proc.returncode != 0:
        raise AssertionError(f"{proc.args} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def cli_in_process(cwd: Path, args: Sequence[str], env: dict[str, str] | None = None
                   ) -> subprocess.CompletedProcess[str]:
    """``python -m techxfer ARGS`` without the new interpreter (most of a short command's
    time): ``techxfer.cli.main`` with its own working directory and environment, an empty
    stdin, file descriptors 1 and 2 on files of their own (what git or a hook it starts
    writes there is caught too, as by a subprocess's pipes), logging and warnings shown on
    stderr as in a new process; the status from SystemExit as the interpreter takes it, the
    output decoded as ``subprocess.run(text=True)`` decodes a child's. Everything is put
    back afterwards."""
    import io
    import locale
    import logging
    import sys
    import tempfile
    import traceback
    import warnings

    import pygit2
    from pygit2.enums import ConfigLevel

    from techxfer.cli import main

    encoding = locale.getpreferredencoding(False)
    streams = (sys.stdin, sys.stdout, sys.stderr)
    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    search = pygit2.settings.search_path
    saved_search = {level: search[level] for level in (ConfigLevel.GLOBAL, ConfigLevel.XDG)}
    root = logging.getLogger()
    saved_logging = root.handlers[:], root.level
    for stream in streams[1:]:
        stream.flush()
    code = 0
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            warnings.catch_warnings():
        saved_fds = os.dup(1), os.dup(2)
        try:
            os.dup2(out.fileno(), 1)
            os.dup2(err.fileno(), 2)
            sys.stdin = io.TextIOWrapper(io.BytesIO(b""), encoding=encoding)
            sys.stdout = io.TextIOWrapper(open(1, "wb", buffering=0, closefd=False),  # noqa: SIM115
                                          encoding=encoding, write_through=True)
            sys.stderr = io.TextIOWrapper(open(2, "wb", buffering=0, closefd=False),  # noqa: SIM115
                                          encoding=encoding, errors="backslashreplace",
                                          write_through=True)
            # a new interpreter's warning filters, and no logging handler but the last resort
            warnings.resetwarnings()
            for category in (ResourceWarning, ImportWarning, PendingDeprecationWarning,
                             DeprecationWarning):
                warnings.simplefilter("ignore", category)
            warnings.filterwarnings("default", category=DeprecationWarning, module="__main__")
            root.handlers, root.level = [], logging.WARNING
            os.environ.update(env or {})
            # libgit2 looks for the user's config under HOME as it was when it started: a
            # new process would start under this test's HOME
            home = os.environ.get("HOME", "")
            search[ConfigLevel.GLOBAL] = home
            search[ConfigLevel.XDG] = os.path.join(
                os.environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config"), "git")
            os.chdir(cwd)
            try:
                main(list(args))
            except SystemExit as exc:
                if exc.code is None or isinstance(exc.code, int):
                    code = exc.code or 0
                else:
                    print(exc.code, file=sys.stderr)
                    code = 1
            except Exception:  # uncaught: the interpreter prints it and exits 1
                traceback.print_exc()
                code = 1
        finally:
            os.chdir(saved_cwd)
            os.environ.clear()
            os.environ.update(saved_env)
            for level, value in saved_search.items():
                search[level] = value
            root.handlers, root.level = saved_logging
            sys.stdin, sys.stdout, sys.stderr = streams
            os.dup2(saved_fds[0], 1)
            os.dup2(saved_fds[1], 2)
            os.close(saved_fds[0])
            os.close(saved_fds[1])
        out.seek(0)
        err.seek(0)
        # universal newlines, as subprocess.run(text=True) reads a child's output
        stdout = io.TextIOWrapper(out, encoding=encoding).read()
        stderr = io.TextIOWrapper(err, encoding=encoding).read()
    return subprocess.CompletedProcess([sys.executable, "-m", "techxfer", *args], code, stdout, stderr)


def sign_as(repo: Path, key: SshKey) -> None:
    use_signing_key(repo, key)


def commit_as(repo: Path, key: SshKey, message: str, *paths: str, check: bool = True,
              env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Stage everything (or PATHS) and make a real signed commit with this key."""
    git(repo, "add", "-A", *(["--", *paths] if paths else []))
    return git(repo, "-c", "gpg.format=ssh", "-c", f"user.signingkey={key.private}",
               "commit", "-q", "-S", "-m", message, check=check, env=env)


def init_repo(path: Path, keys: dict[str, SshKey], *, commit: bool = True) -> Path:
    """A techxfer repository with two parties and four people; optionally the signed root."""
    techxfer(path.parent, "init", str(path), "--registrant", "acme", "--manufacturer", "fab",
             "--product", "Test pump")
    for party, pid, name, roles, key in PEOPLE:
        args = ["person", "add", party, pid, "--name", name, "--key", str(keys[key].public)]
        for role in roles:
            args += ["--role", role]
        techxfer(path, *args)
    if commit:
        commit_as(path, keys["zhang"], "Trust root")
    return path


def add_doc(repo: Path, rel: str, content: bytes, doc_id: str, revision: str = "A",
            category: str = "design-output") -> None:
    target = repo / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content)
    techxfer(repo, "add", rel, "--id", doc_id, "--title", f"Title of {doc_id}",
             "--category", category, "--revision", revision)


@contextmanager
def isolated_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The isolation of ``isolated_git`` for fixtures wider than one test (which are set
    up before the autouse fixture of the test that first needs them)."""
    home = tmp_path_factory.mktemp("fixture-home")
    gitconfig = home / ".gitconfig"
    gitconfig.write_text("[user]\n\tname = Test User\n\temail = test@example.invalid\n"
                         "[init]\n\tdefaultBranch = main\n[commit]\n\tgpgSign = false\n")
    values = {"HOME": str(home), "GIT_CONFIG_GLOBAL": str(gitconfig), "GIT_CONFIG_NOSYSTEM": "1",
              "GNUPGHOME": str(home / ".gnupg"), "TECHXFER_LANG": ""}
    if CJK_FONT:
        values["TECHXFER_CJK_FONT"] = CJK_FONT
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture(scope="session")
def base_repo(tmp_path_factory: pytest.TempPathFactory, keys: dict[str, SshKey]) -> Path:
    """Built once per run: initialised, people added, root commit, two documents committed
    by the registrant's doc-control. Tests copy it (``repo`` fixture)."""
    with isolated_env(tmp_path_factory):
        root = tmp_path_factory.mktemp("base") / "repo"
        init_repo(root, keys)
        (root / "design").mkdir()
        (root / "design" / "MANIFEST.yaml").write_text("format: 1\ndocuments: []\n")
        add_doc(root, "design/drawing.pdf", b"%PDF-1.4 drawing rev A\n", "DRW-001")
        add_doc(root, "design/spec.txt", b"Specification rev A\n", "SPEC-001")
        commit_as(root, keys["wang"], "Register design documents")
    return root


@pytest.fixture
def repo(base_repo: Path, tmp_path: Path) -> Path:
    import shutil

    target = tmp_path / "repo"
    shutil.copytree(base_repo, target, symlinks=True)
    return target


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def git_daemon(tmp_path_factory: pytest.TempPathFactory, base: Path,
               env: dict[str, str] | None = None) -> Iterator[int]:
    """A real ``git daemon`` serving BASE on 127.0.0.1 (receive-pack on), in the isolation of
    ``isolated_env`` (the hooks it runs inherit it) plus ENV; yields its port."""
    port = free_port()
    with isolated_env(tmp_path_factory):
        proc = subprocess.Popen(
            ["git", "daemon", "--reuseaddr", f"--base-path={base}", "--export-all",
             "--enable=receive-pack", "--listen=127.0.0.1", f"--port={port}", str(base)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, **(env or {})})
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        else:
            raise AssertionError("git daemon did not start")
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)
