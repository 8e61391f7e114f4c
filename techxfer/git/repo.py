"""The one module that talks to git.

Reads go through pygit2 (in-process, exact bytes); writes (add, commit, sign, push)
through the ``git`` executable so that the user's own signing setup (agent, hardware
key, gpg.format) works unchanged. Lists from git are NUL-separated; paths are ``str``
as pygit2 gives them, with undecodable bytes as surrogate escapes, which callers refuse.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import subprocess
import tempfile
import threading
from collections import Counter, deque
from collections.abc import Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, AnyStr

import pygit2

from techxfer.errors import GitError
from techxfer.findings import msg
from techxfer.git import rawcommit
from techxfer.git.entry import MODE_TREE, zsplit
from techxfer.git.entry import Entry as Entry  # re-exported: callers import it from here

# What pygit2 raises for an object it cannot find or read: KeyError or ValueError for an
# unknown or malformed id, pygit2.GitError (InvalidError is also a ValueError) for an
# object it cannot find or parse. Each becomes techxfer's GitError, or a plain "no".
PYGIT2_ERRORS = (pygit2.GitError, KeyError, ValueError)

@dataclass(frozen=True)
class CommitInfo:
    """A commit as the audit reads it. ``malformed`` is why techxfer cannot read the
    commit object as git would (``rawcommit``), else None; the other fields are then read
    as well as they can be, and never raise: text with undecodable bytes as U+FFFD, a zone
    git would not read as 0 (UTC), and where libgit2 cannot parse the object at all, the
    tree, parents and committer date from its bytes (0 where unreadable)."""

    id: str
    parents: tuple[str, ...]
    tree: str
    commit_time: int
    commit_offset: int  # minutes east of UTC
    message: str
    author: str
    malformed: str | None = None


def feed_and_close(pipe: IO[AnyStr], data: AnyStr) -> None:
    """Write DATA to a child's standard input and close it (run in a thread, so the
    parent reads the answers meanwhile)."""
    try:
        pipe.write(data)
    except (OSError, ValueError):
        pass  # the reader stopped early or git failed; its exit status tells
    finally:
        with contextlib.suppress(OSError, ValueError):
            pipe.close()


def _object_id(kind: bytes, data: bytes, oid: str) -> str:
    """The id git gives DATA as an object of KIND, in the hash of OID (SHA-1 or SHA-256)."""
    digest = hashlib.sha1 if len(oid) == 40 else hashlib.sha256
    return digest(kind + b" %d\0" % len(data) + data).hexdigest()


def _nul_fields(stream: IO[bytes], size: int = 1 << 16) -> Iterator[bytes]:
    """The NUL-terminated fields of a stream, read a block at a time."""
    rest = b""
    while block := stream.read(size):
        fields = (rest + block).split(b"\0")
        rest = fields.pop()
        yield from fields
    if rest:
        yield rest


def _parse_diff_tree(fields: Iterator[bytes], pairs: Sequence[tuple[str, str]]
                     ) -> Iterator[dict[str, Entry | None]]:
    """``git diff-tree --stdin -r -z --always`` output: per input line the commit id, then
    ``:oldmode newmode oldid newid status`` and the path, as NUL-terminated fields."""
    expected = iter(pairs)
    current: dict[str, Entry | None] | None = None
    for field in fields:
        if field[:1] == b":":
            meta = field.split(b" ")
            path = next(fields, b"").decode("utf-8", "surrogateescape")
            if current is None or len(meta) != 5 or not path:
                raise GitError("git diff-tree: a change line out of place")
            current[path] = None if meta[4][:1] == b"D" else Entry(meta[3].decode(), int(meta[1], 8))
            continue
        if current is not None:
            yield current
        commit = field.strip().decode()
        want = next(expected, None)
        if want is None or commit != want[0]:
            raise GitError(f"git diff-tree answered {commit[:10]} out of order")
        current = {}
    if current is not None:
        yield current
    if next(expected, None) is not None:
        raise GitError("git diff-tree stopped before the last commit")


class _BlobsAhead:
    """``git cat-file --batch`` fed with the blobs a caller will ask for. At most LIMIT are
    asked and not yet taken (2.6 KB of ids, less than the smallest pipe), so a request is
    never left waiting on git while git waits for its answers to be read. Any surprise
    (git gone, an answer that is not the blob asked, bytes that do not hash to its id)
    ends the read-ahead: callers then read in-process, which reports missing or damaged
    objects in its own words."""

    LIMIT = 64

    def __init__(self, cwd: str, env: dict[str, str]) -> None:
        self._queued: deque[str] = deque()
        self._waiting: Counter[str] = Counter()
        self._proc: subprocess.Popen[bytes] | None
        try:
            self._proc = subprocess.Popen(["git", "cat-file", "--batch"], cwd=cwd, env=env,
                                          stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                          stderr=subprocess.DEVNULL)
        except OSError:
            self._proc = None

    def request(self, oid: str) -> None:
        if self._proc is None or len(self._queued) >= self.LIMIT:
            return
        assert self._proc.stdin is not None
        try:
            self._proc.stdin.write(oid.encode() + b"\n")
            self._proc.stdin.flush()
        except OSError:
            self.close()
            return
        self._queued.append(oid)
        self._waiting[oid] += 1

    def take(self, oid: str) -> bytes | None:
        if self._proc is None or not self._waiting[oid]:
            return None
        assert self._proc.stdout is not None
        try:
            while self._queued:  # answers come in the order asked; skip those not taken
                want = self._queued.popleft()
                self._waiting[want] -= 1
                header = self._proc.stdout.readline().split()
                if len(header) != 3 or header[0].decode() != want or header[1] != b"blob":
                    break
                size = int(header[2])
                data = self._proc.stdout.read(size + 1)
                if len(data) != size + 1 or _object_id(b"blob", data[:-1], want) != want:
                    break  # never another object's bytes under this id
                if want == oid:
                    return data[:-1]
        except (OSError, ValueError):
            pass
        self.close()
        return None

    def close(self) -> None:
        proc, self._proc = self._proc, None
        self._queued.clear()
        self._waiting.clear()
        if proc is None:
            return
        for pipe in (proc.stdin, proc.stdout):
            with contextlib.suppress(OSError):
                if pipe is not None:
                    pipe.close()
        if proc.poll() is None:
            proc.kill()
        proc.wait()


class GitRepo:
    """A repository, opened once, read with pygit2."""

    def __init__(self, repo: pygit2.Repository, *, from_env: bool = False) -> None:
        self._repo = repo
        self.from_env = from_env  # opened as a hook must (a helper process opens it alike)
        self._ahead: _BlobsAhead | None = None
        # Where answers worth keeping between runs go: set by the caller to a folder in the
        # user's cache directory (state.cache), never inside the repository; None keeps none.
        self.cache_dir: Path | None = None

    def expect_blob(self, oid: str) -> None:
        """Announce a blob that ``read_blob`` will be asked for, in the order it will be:
        one ``git cat-file --batch`` reads ahead on another core (a walk's manifests: 2 s
        of 10,000 commits in-process). Blobs asked for out of order are read in-process."""
        if self._ahead is None:
            self._ahead = _BlobsAhead(self._repo.workdir or self._repo.path, self.git_env())
        self._ahead.request(oid)

    def stop_reading_ahead(self) -> None:
        if self._ahead is not None:
            self._ahead.close()
            self._ahead = None

    def git_env(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """The environment of the git processes run on this repository, so they read the
        objects pygit2 reads: no replace refs (``refs/replace/`` would let git show another
        object in place of a signed one; libgit2 ignores them), and, where GIT_DIR is set
        (a hook's ``GIT_DIR=.``), this repository's git directory by its absolute path."""
        env = {**os.environ, **(extra or {}), "GIT_NO_REPLACE_OBJECTS": "1"}
        if "GIT_DIR" in env:
            env["GIT_DIR"] = os.path.abspath(self._repo.path)
        return env

    @classmethod
    def open(cls, path: str | os.PathLike[str] = ".", *, from_env: bool = False) -> GitRepo:
        """Open the repository at or above ``path``.

        ``from_env`` honours GIT_DIR, GIT_INDEX_FILE, GIT_OBJECT_DIRECTORY and friends, as
        a hook must: a pre-receive hook only sees the pushed objects through the
        quarantine environment, and ``git commit PATH`` hands its hook a temporary index.
        """
        try:
            if from_env:
                flags = pygit2.enums.RepositoryOpenFlag.FROM_ENV
                return cls(pygit2.Repository(os.fspath(path), flags=flags), from_env=True)
            found = pygit2.discover_repository(os.fspath(path))
            if found is None:
                raise GitError(msg("refuse.not_a_repository", "{path}: not a git repository",
                                   path=os.path.abspath(path)),
                               hint=msg("refuse.not_a_repository_hint", "run techxfer inside "
                                        "your techxfer repository, or create one with "
                                        "`techxfer init`"))
            return cls(pygit2.Repository(found))
        except pygit2.GitError as exc:
            raise GitError(f"{os.fspath(path)}: cannot open the git repository: {exc}") from None

    @staticmethod
    def stream_objects() -> None:
        """Set libgit2 for a history walk, which reads most objects once: no object cache,
        which would grow to 256 MB (measured: peak 308 MB → 198 MB over 10,000 commits,
        same time), and the packs mapped a window at a time."""
        pygit2.settings.enable_caching(False)
        # Packs are mapped 8 MB at a time, 32 MB at most, instead of whole: resident
        # memory stays flat as packs grow (measured: 203 → 173 MB, same time).
        pygit2.settings.mwindow_size = 8 << 20
        pygit2.settings.mwindow_mapped_limit = 32 << 20

    @staticmethod
    def init(path: Path) -> GitRepo:
        run_git(["init", "-q", str(path)], cwd=path.parent if path.parent.exists() else None)
        return GitRepo.open(path)

    # -- places --------------------------------------------------------------------------
    @property
    def workdir(self) -> Path:
        wd = self._repo.workdir
        if wd is None:
            raise GitError(f"{self._repo.path}: a bare repository has no working tree")
        return Path(wd)

    @property
    def gitdir(self) -> Path:
        return Path(self._repo.path)

    @property
    def is_bare(self) -> bool:
        return bool(self._repo.is_bare)

    @property
    def common_dir(self) -> Path:
        """The git directory every worktree shares (where the repository's config lives)."""
        pointer = self.gitdir / "commondir"
        if pointer.is_file():
            return (self.gitdir / pointer.read_text(encoding="utf-8").strip()).resolve()
        return self.gitdir

    # -- reading ---------------------------------------------------------------------------
    def head(self) -> str | None:
        """The commit id HEAD points at, or None on an unborn branch."""
        if self._repo.head_is_unborn:
            return None
        return str(self._repo.head.target)

    def head_branch(self) -> str | None:
        try:
            ref = self._repo.references["HEAD"].target
        except KeyError:
            return None
        return ref.removeprefix("refs/heads/") if isinstance(ref, str) else None

    def resolve(self, rev: str) -> str:
        try:
            obj = self._repo.revparse_single(rev)
        except PYGIT2_ERRORS:
            raise GitError(f"unknown revision {rev!r}") from None
        try:
            commit = obj.peel(pygit2.Commit)
        except PYGIT2_ERRORS:
            # A commit libgit2 cannot parse (its bytes say why: ``commit_info``) is still
            # a revision, as git reads it.
            if obj.type == pygit2.enums.ObjectType.COMMIT:
                return str(obj.id)
            raise GitError(f"unknown revision {rev!r}") from None
        return str(commit.id)

    def is_shallow(self) -> bool:
        """A shallow clone: its oldest commits' parents are missing, so its history
        cannot be audited (``git fetch --unshallow`` fetches them)."""
        return bool(self._repo.is_shallow)

    def object_type(self, oid: str) -> str | None:
        """``commit``, ``tree``, ``blob`` or ``tag``; None for an unknown object."""
        try:
            kind, _ = self._repo.odb.read(oid)
        except PYGIT2_ERRORS:
            return None
        return {pygit2.enums.ObjectType.COMMIT: "commit", pygit2.enums.ObjectType.TREE: "tree",
                pygit2.enums.ObjectType.BLOB: "blob", pygit2.enums.ObjectType.TAG: "tag"}.get(
                    pygit2.enums.ObjectType(kind))

    def peel(self, oid: str) -> tuple[str, str] | None:
        """What an object is once its tags (and tags of tags) are followed: (type, id) of
        the commit, tree or blob at the end; None when a tag names an unknown object."""
        for _ in range(64):  # a tag chain longer than this is not worth following
            kind = self.object_type(oid)
            if kind is None:
                return None
            if kind != "tag":
                return kind, oid
            try:
                tag = self._repo[oid]
            except PYGIT2_ERRORS:
                return None
            if not isinstance(tag, pygit2.Tag):
                return None
            oid = str(tag.target)
        return None

    def commit_info(self, commit_id: str) -> CommitInfo:
        try:
            obj = self._repo[commit_id]
        except pygit2.InvalidError as exc:  # an object libgit2 cannot parse
            return self._raw_info(commit_id, exc)
        except PYGIT2_ERRORS:
            raise GitError(f"no commit {commit_id}") from None
        if not isinstance(obj, pygit2.Commit):
            raise GitError(f"{commit_id} is not a commit")
        return self._info(obj)

    def _raw(self, commit_id: str) -> bytes | None:
        try:
            kind, data = self._repo.odb.read(commit_id)
        except PYGIT2_ERRORS:
            return None
        return bytes(data) if kind == pygit2.enums.ObjectType.COMMIT else None

    def _info(self, c: pygit2.Commit) -> CommitInfo:
        """A commit libgit2 reads; its bytes say whether git and Python read it alike."""
        commit_id = str(c.id)
        raw = self._raw(commit_id)
        malformed = rawcommit.problem(raw) if raw is not None else "the commit object cannot be read"
        encoding: str | None = c.message_encoding
        if encoding is not None and rawcommit.encoding_problem(encoding.encode()) is not None:
            encoding = None
        return CommitInfo(
            id=commit_id,
            parents=tuple(str(p) for p in c.parent_ids),
            tree=str(c.tree_id),
            commit_time=c.commit_time,
            commit_offset=c.commit_time_offset,
            message=rawcommit.decode(c.raw_message, encoding),
            author=rawcommit.decode(c.author.raw_name, encoding),
            malformed=malformed,
        )

    def _raw_info(self, commit_id: str, why: Exception) -> CommitInfo:
        """A commit libgit2 refuses to parse (git may still show it): read from its bytes."""
        raw = self._raw(commit_id)
        if raw is None:
            raise GitError(f"no commit {commit_id}")
        parsed = rawcommit.parse(raw)
        return CommitInfo(
            id=commit_id, parents=parsed.parents, tree=parsed.tree,
            commit_time=parsed.commit_time, commit_offset=parsed.commit_offset,
            message=rawcommit.decode(parsed.message, parsed.encoding),
            author=rawcommit.decode(parsed.author_name, parsed.encoding),
            malformed=parsed.malformed or f"libgit2 cannot read it: {why}",
        )

    def commit_signature(self, commit_id: str) -> tuple[bytes, bytes] | None:
        """(signature, signed payload) exactly as git signed them, or None if unsigned."""
        try:
            commit = self._commit(commit_id)
        except GitError:
            raw = self._raw(commit_id)
            if raw is None:
                raise
            return rawcommit.signature(raw)  # libgit2 cannot parse it; git can
        if commit.gpg_signature[0] is None:
            return None
        sig, payload = commit.gpg_signature
        return bytes(sig), bytes(payload)

    def _commit(self, commit_id: str) -> pygit2.Commit:
        try:
            obj = self._repo[commit_id]
        except PYGIT2_ERRORS as exc:
            if isinstance(exc, pygit2.InvalidError):
                raise GitError(f"commit {commit_id} cannot be read: {exc}") from None
            raise GitError(f"no commit {commit_id}") from None
        if not isinstance(obj, pygit2.Commit):
            raise GitError(f"{commit_id} is not a commit")
        return obj

    def _tree(self, commit_id: str) -> pygit2.Tree:
        """A commit's tree; for a commit libgit2 cannot parse, the tree its bytes name."""
        try:
            return self._commit(commit_id).tree
        except GitError:
            raw = self._raw(commit_id)
            if raw is None:
                raise
            tree_id = rawcommit.parse(raw).tree
        try:
            tree = self._repo[tree_id]
        except PYGIT2_ERRORS:
            raise GitError(f"commit {commit_id}: its tree {tree_id} cannot be read") from None
        if not isinstance(tree, pygit2.Tree):
            raise GitError(f"commit {commit_id}: {tree_id} is not a tree")
        return tree

    def read_blob(self, oid: str) -> bytes:
        if self._ahead is not None:
            data = self._ahead.take(oid)
            if data is not None:
                return data
        try:
            blob = self._repo[oid]
        except PYGIT2_ERRORS:
            raise GitError(f"object {oid} is missing from the repository") from None
        if not isinstance(blob, pygit2.Blob):
            raise GitError(f"object {oid} is not a file")
        return bytes(blob.data)

    def index_entries(self) -> dict[str, Entry]:
        """Every path of the index (stage 0) with its blob id and mode."""
        index = self._repo.index
        index.read(False)
        return {e.path: Entry(str(e.id), e.mode) for e in index}

    def merge_base(self, a: str, b: str) -> str | None:
        """The best common ancestor of two commits, or None for unrelated histories."""
        for commit in (a, b):
            if not self.has_commit(commit):
                raise GitError(f"no commit {commit}")
        try:
            base = self._repo.merge_base(a, b)
        except pygit2.InvalidError:  # a commit libgit2 cannot parse: git reads it
            if self._git_status(["merge-base", a, b]) != 0:
                return None
            return self.git(["merge-base", a, b]).decode().strip() or None
        except PYGIT2_ERRORS as exc:
            raise GitError(f"no merge base of {a[:10]} and {b[:10]}: {exc}") from None
        return str(base) if base is not None else None

    def entry_at(self, commit_id: str, path: str) -> Entry | None:
        """One path of a commit's tree (None when absent or a folder)."""
        tree = self._tree(commit_id)
        try:
            item = tree[path]
        except PYGIT2_ERRORS:
            return None
        if item.filemode == MODE_TREE:
            return None
        return Entry(str(item.id), item.filemode)

    def tree_entries(self, commit_id: str) -> dict[str, Entry]:
        """Every file of a commit's tree, flattened to slash-separated paths."""
        out: dict[str, Entry] = {}
        self._flatten(self._tree(commit_id), "", out)
        return out

    def subtree(self, commit_id: str, folder: str) -> tuple[str | None, dict[str, Entry]]:
        """One folder of a commit: its tree id (None when absent) and its files, with full
        paths. Lets callers cache what depends only on that folder (the configuration)."""
        tree = self._tree(commit_id)
        try:
            item = tree[folder]
            sub = self._repo[item.id]
        except PYGIT2_ERRORS:
            return None, {}
        if not isinstance(sub, pygit2.Tree):
            return None, {}
        out: dict[str, Entry] = {}
        self._flatten(sub, folder.rstrip("/") + "/", out)
        return str(sub.id), out

    def _flatten(self, tree: pygit2.Tree, prefix: str, out: dict[str, Entry]) -> None:
        for item in tree:
            path = prefix + (item.name or "")
            if item.filemode == MODE_TREE:
                try:
                    sub = self._repo[item.id]
                except PYGIT2_ERRORS:
                    raise GitError(f"tree {item.id} ({path}) is missing from the repository") from None
                if not isinstance(sub, pygit2.Tree):
                    raise GitError(f"{item.id} ({path}) is not a tree")
                self._flatten(sub, path + "/", out)
            else:
                out[path] = Entry(str(item.id), item.filemode)

    def staged_paths(self) -> set[str]:
        """Paths whose index state differs from HEAD (added, changed, removed)."""
        index = self._repo.index
        index.read(False)
        head = self.head()
        if head is None:
            return {e.path for e in index}
        diff = index.diff_to_tree(self._tree(head))
        paths: set[str] = set()
        for delta in diff.deltas:
            paths.add(delta.old_file.path)
            paths.add(delta.new_file.path)
        return paths

    def changed_paths(self, old_commit: str | None, new_commit: str) -> set[str]:
        """Paths that differ between two commits (all paths when ``old_commit`` is None)."""
        new_tree = self._tree(new_commit)
        if old_commit is None:
            return set(self.tree_entries(new_commit))
        diff = self._tree(old_commit).diff_to_tree(new_tree)
        paths: set[str] = set()
        for delta in diff.deltas:
            paths.add(delta.old_file.path)
            paths.add(delta.new_file.path)
        return paths

    def tree_changes(self, pairs: Sequence[tuple[str, str]]
                     ) -> Generator[dict[str, Entry | None], None, None]:
        """For each (commit, parent) in order: path → the commit's entry (None when removed)
        for every file that differs from the parent.

        One ``git diff-tree --stdin`` answers the whole list while the caller works on the
        first answers (measured over 10,000 commits of a packed 5,000-file history: 0.4 s
        in all, against 5.8 s comparing the trees through pygit2)."""
        if not pairs:
            return
        cwd = self._repo.workdir or self._repo.path
        with tempfile.TemporaryFile() as errors:
            try:
                proc = subprocess.Popen(
                    ["git", "diff-tree", "--stdin", "-r", "-z", "--no-abbrev", "--no-renames",
                     "--ignore-submodules=none", "--always"], cwd=cwd, env=self.git_env(),
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors)
            except FileNotFoundError:
                raise GitError("git is not installed or not on PATH") from None
            assert proc.stdin is not None and proc.stdout is not None
            feed = b"".join(f"{c} {p}\n".encode() for c, p in pairs)
            writer = threading.Thread(target=feed_and_close, args=(proc.stdin, feed), daemon=True)
            writer.start()
            finished, garbled = False, None
            try:
                yield from _parse_diff_tree(_nul_fields(proc.stdout), pairs)
                finished = True
            except GitError as exc:
                garbled = exc
            finally:  # also when the caller stops early: git is not left running
                proc.stdout.close()
                if not finished:
                    proc.kill()
                writer.join()
                status = proc.wait()
            errors.seek(0)
            message = errors.read().decode("utf-8", "replace").strip()
            if message and (garbled is not None or status != 0):
                raise GitError(f"git diff-tree failed: {message}")
            if garbled is not None:
                raise garbled
            if status != 0:
                raise GitError(f"git diff-tree failed: exit status {status}")

    def walk(self, tip: str, *, hide: Sequence[str] = ()) -> Iterator[str]:
        """Commit ids reachable from ``tip``, parents before children."""
        for commit in self._walk(tip, hide):
            yield commit if isinstance(commit, str) else str(commit.id)

    def walk_info(self, tip: str, *, hide: Sequence[str] = ()) -> Iterator[CommitInfo]:
        """``walk``, with each commit's details read on the way (one lookup a commit)."""
        for commit in self._walk(tip, hide):
            yield self.commit_info(commit) if isinstance(commit, str) else self._info(commit)

    def _walk(self, tip: str, hide: Sequence[str]) -> Iterator[pygit2.Commit | str]:
        """libgit2's walk, in-process; where it fails (a commit libgit2 cannot parse,
        which git reads), git's own ``rev-list`` for the commits not yet given."""
        given: set[str] = set()
        try:
            walker = self._repo.walk(tip, pygit2.enums.SortMode.TOPOLOGICAL
                                     | pygit2.enums.SortMode.REVERSE)
            for h in hide:
                walker.hide(h)
            for commit in walker:
                given.add(str(commit.id))
                yield commit
            return
        except PYGIT2_ERRORS:
            pass
        # Parents first: a commit not given yet has its parents given or before it here.
        out = self.git(["rev-list", "--topo-order", "--reverse", tip,
                        *(f"^{h}" for h in hide), "--"])
        for commit_id in out.decode().split():
            if commit_id not in given:
                yield commit_id

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        """Whether ANCESTOR is DESCENDANT or an ancestor of it; GitError for an unknown
        commit (a checkpoint naming one is then ignored)."""
        if ancestor == descendant:
            return True
        try:
            return bool(self._repo.descendant_of(descendant, ancestor))
        except pygit2.InvalidError:
            pass  # a commit on the way libgit2 cannot parse: ask git, which reads it
        except PYGIT2_ERRORS as exc:
            raise GitError(f"cannot tell whether {ancestor[:10]} is an ancestor of "
                           f"{descendant[:10]}: {exc}") from None
        status = self._git_status(["merge-base", "--is-ancestor", ancestor, descendant])
        if status not in (0, 1):
            raise GitError(f"cannot tell whether {ancestor[:10]} is an ancestor of {descendant[:10]}")
        return status == 0

    def _git_status(self, args: Sequence[str]) -> int:
        cwd = self._repo.workdir or self._repo.path
        try:
            return subprocess.run(["git", *args], cwd=cwd, env=self.git_env(), capture_output=True,
                                  check=False).returncode
        except FileNotFoundError:
            raise GitError("git is not installed or not on PATH") from None

    def roots(self, tip: str) -> list[str]:
        """The parentless commits reachable from ``tip``, oldest first (one git process)."""
        out = self.git(["rev-list", "--max-parents=0", "--topo-order", "--reverse", tip, "--"])
        return out.decode().split()

    def has_commit(self, commit_id: str) -> bool:
        try:
            return isinstance(self._repo[commit_id], pygit2.Commit)
        except pygit2.InvalidError:
            return self._raw(commit_id) is not None  # a commit libgit2 cannot parse
        except PYGIT2_ERRORS:
            return False

    def other_ref_tips(self, except_ref: str) -> list[str]:
        """Commit ids at every branch and tag but one: what a new branch's commits hide."""
        tips = []
        for name in self._repo.references:
            if name == except_ref or not name.startswith(("refs/heads/", "refs/tags/")):
                continue
            try:
                tips.append(str(self._repo.references[name].peel(pygit2.Commit).id))
            except PYGIT2_ERRORS:
                continue
        return tips

    def protected_branches(self) -> set[str]:
        """``techxfer.protectedBranches`` (comma or space separated), default ``main``."""
        value = self.config_get("techxfer.protectedBranches") or "main"
        return {b for b in value.replace(",", " ").split() if b}

    def config_get(self, key: str) -> str | None:
        try:
            value = self._repo.config[key]
        except PYGIT2_ERRORS:
            return None
        return str(value)

    def config_set(self, key: str, value: str) -> None:
        """Set KEY in this repository's own config (never the user's global one)."""
        self.git(["config", "--local", key, value])

    def worktree_paths(self) -> list[str]:
        """Tracked and untracked, not ignored, files of the working tree."""
        out = self.git(["ls-files", "-z", "--cached", "--others", "--exclude-standard"])
        seen: dict[str, None] = {}
        for raw in zsplit(out):
            seen.setdefault(raw.decode("utf-8", "surrogateescape"), None)
        return list(seen)

    def first_commit_adding(self, path: str) -> str | None:
        """The oldest commit on HEAD that added ``path`` (git's history simplification)."""
        out = self.git(["log", "--format=%H", "--diff-filter=A", "--reverse", "--", path])
        lines = out.decode().split()
        return lines[0] if lines else None

    def commits_adding(self, folder: str, rev: str = "HEAD") -> dict[str, str]:
        """Path → the commit that added it, for every file added under ``folder``: one
        ``git log`` (history simplification is far faster than a libgit2 walk here).

        The answer is kept in ``cache_dir`` (outside the repository) with the commit it was made at; the
        next call asks git only about the commits since (records are only ever added, and
        where a path was added twice the oldest commit still wins)."""
        if self.head() is None:
            return {}
        import json

        from techxfer.format.fileio import write_atomic

        tip = self.resolve(rev)
        if self.cache_dir is None:
            return self._log_adding(folder, tip)
        store = self.cache_dir / f"added-{hashlib.sha256(folder.encode()).hexdigest()[:12]}.json"
        base: str | None = None
        added: dict[str, str] = {}
        try:
            saved = json.loads(store.read_text(encoding="utf-8"))
            base, added = str(saved["tip"]), {str(k): str(v) for k, v in saved["added"].items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            base = None
        if base == tip:
            return added
        if base is not None and self.has_commit(base) and self.is_ancestor(base, tip):
            for path, commit in self._log_adding(folder, f"{base}..{tip}").items():
                added.setdefault(path, commit)
        else:
            added = self._log_adding(folder, tip)
        try:
            store.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(store, json.dumps({"tip": tip, "added": added}).encode())
        except OSError:
            pass  # a read-only repository: answered, not kept
        return added

    def _log_adding(self, folder: str, revs: str) -> dict[str, str]:
        out = self.git(["log", "--format=%x00%H", "--diff-filter=A", "--name-only", "-z", revs,
                        "--", folder])
        added: dict[str, str] = {}
        commit = ""
        # Output: NUL hash NUL, then NL path NUL path NUL … per commit.
        for part in out.split(b"\0"):
            text = part.removeprefix(b"\n").decode("utf-8", "surrogateescape")
            if not text:
                continue
            if len(text) == 40 and all(c in "0123456789abcdef" for c in text):
                commit = text
            else:
                added[text] = commit  # newest first: the oldest adding commit wins
        return added

    def commits_touching(self, paths: Sequence[str], rev: str = "HEAD") -> list[str]:
        """Commits that changed any of ``paths``, oldest first (one ``git log``)."""
        if self.head() is None:
            return []
        out = self.git(["log", "--format=%H", "--reverse", "--full-history", rev, "--", *paths])
        return out.decode().split()

    def changed_worktree_paths(self) -> list[str]:
        """Paths whose working-tree content differs from HEAD, untracked ones included."""
        out = self.git(["status", "--porcelain=v1", "-z", "--untracked-files=all",
                        "--ignore-submodules=none"])
        paths = []
        records = zsplit(out)
        i = 0
        while i < len(records):
            rec = records[i]
            status, path = rec[:2], rec[3:]
            paths.append(path.decode("utf-8", "surrogateescape"))
            if status[:1] in (b"R", b"C"):
                i += 1  # the next record is the rename source
                paths.append(records[i].decode("utf-8", "surrogateescape"))
            i += 1
        return paths

    # -- writing (the git executable) ------------------------------------------------------
    def git(self, args: Sequence[str], *, input: bytes | None = None,
            env: Mapping[str, str] | None = None) -> bytes:
        cwd = self._repo.workdir or self._repo.path
        return run_git(args, cwd=Path(cwd), input=input, env=self.git_env(env))

    def add(self, paths: Sequence[str]) -> None:
        if paths:
            self.git(["add", "-f", "-A", "--", *paths])

    def write_tree(self) -> str:
        return self.git(["write-tree"]).decode().strip()

    def read_tree(self, tree: str) -> None:
        self.git(["read-tree", tree])


def run_git(args: Sequence[str], *, cwd: Path | None = None, input: bytes | None = None,
            env: Mapping[str, str] | None = None) -> bytes:
    """Run git; raise GitError with git's own message when it fails."""
    full_env = {**os.environ, **env} if env else None
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, input=input, capture_output=True,
                              env=full_env, check=False)
    except FileNotFoundError:
        raise GitError("git is not installed or not on PATH") from None
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip() or f"exit status {proc.returncode}"
        raise GitError(f"git {args[0]} failed: {message}")
    return proc.stdout
