"""Manifests: the register of controlled documents, one per folder (DESIGN 1.1)."""

from __future__ import annotations

import posixpath
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from techxfer.format.layout import MANIFEST_NAME

DATE_FIELDS = ("created", "effective", "obsolete", "released")


@dataclass(frozen=True)
class DocumentEntry:
    id: str
    path: str  # repository-relative
    local_path: str  # as written, relative to the manifest's folder
    title: str
    title_zh: str | None
    revision: str
    category: str
    owner: str
    status: str
    sha256: str
    retention: str
    dates: tuple[tuple[str, str], ...]
    manifest: str  # repository path of the MANIFEST.yaml
    index: int  # position in the manifest, for key paths in messages
    raw: tuple[tuple[str, Any], ...]

    def where(self) -> str:
        return f"{self.manifest}: documents[{self.index}]"

    def date(self, name: str) -> str | None:
        return dict(self.dates).get(name)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.raw)

    def title_in(self, lang: str) -> str:
        return self.title_zh if lang == "zh" and self.title_zh else self.title


def manifest_folder(manifest_path: str) -> str:
    folder = posixpath.dirname(manifest_path)
    return folder


def join(folder: str, local: str) -> str:
    return f"{folder}/{local}" if folder else local


def document_entry(manifest: str, folder: str, e: Mapping[str, Any], index: int) -> DocumentEntry:
    """Entry E (schema-valid) of the manifest at MANIFEST (in FOLDER), at place INDEX."""
    return DocumentEntry(
        id=e["id"],
        path=join(folder, e["path"]),
        local_path=e["path"],
        title=e["title"],
        title_zh=e.get("title_zh"),
        revision=str(e["revision"]),
        category=e["category"],
        owner=e["owner"],
        status=e["status"],
        sha256=e["sha256"],
        retention=e["retention"],
        dates=tuple((k, e[k]) for k in DATE_FIELDS if k in e),
        manifest=manifest,
        index=index,
        raw=tuple(e.items()),
    )


@dataclass(frozen=True)
class ManifestIndex:
    """How often each id and path is listed, and the entries of each path."""

    ids: dict[str, int]
    paths: dict[str, int]
    by_path: dict[str, list[DocumentEntry]]

    @classmethod
    def of(cls, entries: tuple[DocumentEntry, ...]) -> ManifestIndex:
        by_path: dict[str, list[DocumentEntry]] = {}
        for entry in entries:
            by_path.setdefault(entry.path, []).append(entry)
        return cls(dict(Counter(e.id for e in entries)), dict(Counter(e.path for e in entries)),
                   by_path)

    def patched(self, old: tuple[DocumentEntry, ...], new: tuple[DocumentEntry, ...],
                places: list[int]) -> ManifestIndex:
        """This index (of OLD) with the entries at PLACES replaced by NEW's."""
        ids, paths, by_path = dict(self.ids), dict(self.paths), dict(self.by_path)
        for i in places:
            was, now = old[i], new[i]
            for counts, a, b in ((ids, was.id, now.id), (paths, was.path, now.path)):
                counts[a] -= 1
                if not counts[a]:
                    del counts[a]
                counts[b] = counts.get(b, 0) + 1
            left = [e for e in by_path[was.path] if e is not was]
            if left:
                by_path[was.path] = left
            else:
                del by_path[was.path]
            by_path[now.path] = sorted([*by_path.get(now.path, ()), now], key=lambda e: e.index)
        return ManifestIndex(ids, paths, by_path)


@dataclass(frozen=True)
class Manifest:
    path: str
    entries: tuple[DocumentEntry, ...]
    has_format_key: bool
    index: ManifestIndex = field(compare=False, repr=False)

    @property
    def folder(self) -> str:
        return manifest_folder(self.path)

    @property
    def ids(self) -> dict[str, int]:
        """Each id with how often this manifest lists it."""
        return self.index.ids

    @property
    def paths(self) -> dict[str, int]:
        return self.index.paths

    @property
    def by_path(self) -> dict[str, list[DocumentEntry]]:
        return self.index.by_path

    @classmethod
    def of(cls, path: str, entries: tuple[DocumentEntry, ...], has_format_key: bool,
           index: ManifestIndex | None = None) -> Manifest:
        return cls(path, entries, has_format_key, index or ManifestIndex.of(entries))

    @classmethod
    def create(cls, path: str, raw: Any) -> Manifest:
        folder = manifest_folder(path)
        entries = tuple(document_entry(path, folder, e, i)
                        for i, e in enumerate(raw.get("documents") or []))
        return cls.of(path, entries, "format" in raw)

    def to_yaml_data(self, entries: list[dict[str, Any]]) -> dict[str, Any]:
        data: dict[str, Any] = {"format": 1} if self.has_format_key else {}
        data["documents"] = entries
        return data


def nearest_manifest(path: str, manifests: set[str] | frozenset[str]) -> str | None:
    """The MANIFEST.yaml that governs ``path``: in its folder or the nearest ancestor."""
    folder = posixpath.dirname(path)
    while True:
        candidate = f"{folder}/{MANIFEST_NAME}" if folder else MANIFEST_NAME
        if candidate in manifests:
            return candidate
        if not folder:
            return None
        folder = posixpath.dirname(folder)


def entry_of(register: Mapping[str, DocumentEntry], doc_id: str) -> DocumentEntry | None:
    """The register's entry of DOC_ID spelt in any letter case (ids are one whatever their
    case: two spellings listed are DUPLICATE_ID)."""
    found = register.get(doc_id)
    if found is not None:
        return found
    folded = doc_id.casefold()
    return next((e for e in register.values() if e.id.casefold() == folded), None)
