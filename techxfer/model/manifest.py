"""Manifests: the register of controlled documents, one per folder (DESIGN 1.1)."""

from __future__ import annotations

import posixpath
from collections import Counter
from dataclasses import dataclass
from functools import cached_property
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


@dataclass(frozen=True)
class Manifest:
    path: str
    entries: tuple[DocumentEntry, ...]
    has_format_key: bool

    @property
    def folder(self) -> str:
        return manifest_folder(self.path)

    @cached_property
    def ids(self) -> dict[str, int]:
        """Each id with how often this manifest lists it."""
        return dict(Counter(e.id for e in self.entries))

    @cached_property
    def paths(self) -> dict[str, int]:
        return dict(Counter(e.path for e in self.entries))

    @cached_property
    def by_path(self) -> dict[str, list[DocumentEntry]]:
        out: dict[str, list[DocumentEntry]] = {}
        for entry in self.entries:
            out.setdefault(entry.path, []).append(entry)
        return out

    @classmethod
    def create(cls, path: str, raw: Any) -> Manifest:
        folder = manifest_folder(path)
        entries = tuple(
            DocumentEntry(
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
                manifest=path,
                index=i,
                raw=tuple(e.items()),
            )
            for i, e in enumerate(raw.get("documents") or [])
        )
        return cls(path, entries, "format" in raw)

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
