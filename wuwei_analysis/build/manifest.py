"""``reports/manifest.json``: what was built from which inputs, as typed entries.

One :class:`Entry` per notebook × language (``"en/health"``): the report it published, if any
(:class:`Published`), and its last failure, if it failed since (:class:`Failure`). The JSON
format is unchanged from format 1: an ``ok`` entry carries the published fields with
``error``/``failed_ipynb`` null; a failed entry keeps the published fields of the report still
on the site (or none) and adds the failure's.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from wuwei_analysis import errors

MANIFEST_FORMAT = 1


@dataclass(frozen=True)
class Published:
    """A report on the site: from which inputs (``key``, ``inputs``) and where its files are."""

    key: str
    inputs: dict[str, str]
    parameters: dict[str, Any]
    notebook: str
    built_at: str
    duration_s: float
    attempts: int
    data_version: str
    html: str
    ipynb: str
    html_sha256: str
    ipynb_sha256: str
    figures: tuple[str, ...] = ()
    snapshot: str = ""  # the data snapshot it was built from (the page's wuwei-data-version)
    # size:mtime_ns of the html and ipynb when published: while they stay so, no-op builds trust
    # the hashes instead of reading every page again ("" in older manifests: they hash)
    html_stat: str = ""
    ipynb_stat: str = ""


@dataclass(frozen=True)
class Failure:
    """The last failed run; ``failed_ipynb`` is where its notebook was kept, if it got that far."""

    error: str
    error_kind: str
    failed_at: str
    failed_key: str
    failed_duration_s: float
    failed_ipynb: str | None = None


@dataclass(frozen=True)
class Entry:
    theme: str
    lang: str
    published: Published | None = None
    failure: Failure | None = None

    @property
    def status(self) -> str:
        return "failed" if self.failure else "ok"

    @property
    def key(self) -> str:
        """The inputs' key of the report on the site ("" when none was ever published)."""
        return self.published.key if self.published else ""

    @property
    def figures(self) -> tuple[str, ...]:
        return self.published.figures if self.published else ()

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"theme": self.theme, "lang": self.lang, "status": self.status}
        if self.published:
            data.update(asdict(self.published), figures=list(self.published.figures))
        if self.failure:
            data.update(asdict(self.failure))
        else:
            data.update(error=None, failed_ipynb=None)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Entry:
        published = failure = None
        if data.get("key"):
            values = {name: data.get(name) for name in Published.__dataclass_fields__}
            published = Published(
                **{
                    **values,
                    "figures": tuple(data.get("figures") or ()),
                    "snapshot": values["snapshot"] or "",
                }
            )
        if data.get("status") != "ok":
            failure = Failure(
                error=data.get("error") or "failed",
                error_kind=data.get("error_kind") or "error",
                failed_at=data.get("failed_at") or "",
                failed_key=data.get("failed_key") or "",
                failed_duration_s=data.get("failed_duration_s") or 0.0,
                failed_ipynb=data.get("failed_ipynb"),
            )
        return cls(
            theme=data.get("theme", ""), lang=data.get("lang", ""), published=published, failure=failure
        )


@dataclass
class Manifest:
    """The manifest being read and updated by one build.

    ``entries`` are the notebooks; ``fields`` everything else (build id and times, data
    versions, the clean record, hashes of the library and reference data, options, counts).
    """

    entries: dict[str, Entry] = field(default_factory=dict)
    fields: dict[str, Any] = field(default_factory=dict)

    def get(self, name: str, default: Any = None) -> Any:
        return self.fields.get(name, default)

    def to_json(self) -> dict[str, Any]:
        notebooks = {job_id: entry.to_json() for job_id, entry in self.entries.items()}
        return {"format": MANIFEST_FORMAT, **self.fields, "notebooks": notebooks}

    def to_bytes(self) -> bytes:
        return json.dumps(self.to_json(), indent=1, ensure_ascii=False, sort_keys=True).encode("utf-8")

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Manifest:
        notebooks = data.get("notebooks") or {}
        fields = {k: v for k, v in data.items() if k not in ("notebooks", "format")}
        return cls({job_id: Entry.from_json(e) for job_id, e in notebooks.items()}, fields)


def read_manifest(path: Path, note: Callable[[str], None]) -> Manifest:
    """The manifest at ``path``; an empty one (and a ``note``) when it is missing or unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Manifest()
    except (ValueError, OSError) as exc:
        note(f"note   {errors.relative_name(path)} is unreadable ({exc}); rebuilding everything")
        return Manifest()
    if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
        note(f"note   {errors.relative_name(path)} has an unknown format; rebuilding everything")
        return Manifest()
    return Manifest.from_json(data)
