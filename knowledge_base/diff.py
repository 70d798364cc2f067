"""What changed between two revisions of an article: line diffs by difflib, field changes."""

import difflib
from dataclasses import dataclass, field

from sqlalchemy import select

from knowledge_base.models import KIND_LABELS, VISIBILITY_LABELS, Revision
from portal.extensions import db
from portal.models import Product, Release


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "context", "added", "removed" or "gap"
    old_number: int | None
    new_number: int | None
    text: str


@dataclass
class RevisionDiff:
    old: Revision | None
    new: Revision
    fields: list[tuple[str, str, str]] = field(default_factory=list)
    title: list[DiffLine] = field(default_factory=list)
    body: list[DiffLine] = field(default_factory=list)

    @property
    def unchanged(self) -> bool:
        return not (self.fields or self.title or self.body)


def line_diff(old: str, new: str, context: int = 3) -> list[DiffLine]:
    """The changed lines with `context` lines around them; a "gap" line between hunks."""
    old_lines, new_lines = old.splitlines(), new.splitlines()
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    lines: list[DiffLine] = []
    for hunk in matcher.get_grouped_opcodes(context):
        if lines:
            lines.append(DiffLine("gap", None, None, "…"))
        for tag, i1, i2, j1, j2 in hunk:
            if tag == "equal":
                lines += [
                    DiffLine("context", i + 1, j + 1, old_lines[i])
                    for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
                ]
                continue
            lines += [DiffLine("removed", i + 1, None, old_lines[i]) for i in range(i1, i2)]
            lines += [DiffLine("added", None, j + 1, new_lines[j]) for j in range(j1, j2)]
    return lines


def _describe(revision: Revision | None) -> dict[str, str]:
    if revision is None:
        return {}
    product = db.session.get(Product, revision.product_id) if revision.product_id else None
    versions = db.session.scalars(
        select(Release.version)
        .where(Release.id.in_(revision.release_ids or []))
        .order_by(Release.released_on)
    ).all()
    return {
        "Kind": KIND_LABELS.get(revision.kind, revision.kind),
        "Visibility": VISIBILITY_LABELS.get(revision.visibility, revision.visibility),
        "Status": revision.status,
        "Product": product.name if product else "—",
        "Releases": ", ".join(versions) or "all",
        "Tags": ", ".join(revision.tags or []) or "—",
    }


def revision_diff(old: Revision | None, new: Revision) -> RevisionDiff:
    """`new` compared with `old` (None: compared with an empty article)."""
    before, after = _describe(old), _describe(new)
    diff = RevisionDiff(old=old, new=new)
    diff.fields = [
        (label, before.get(label, ""), value)
        for label, value in after.items()
        if before.get(label, "") != value
    ]
    diff.title = line_diff(old.title if old else "", new.title, context=0)
    diff.body = line_diff(old.body if old else "", new.body)
    return diff
