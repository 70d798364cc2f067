"""Ratings rolled up per partner: count, mean, distribution and the latest comments.

- `ratings_summary(partner_ids, window=None, comments=3)`: {partner_id: RatingsSummary}
  for many partners at once (the dashboard): one query whatever their number with
  `comments=0`, two with comments (one count per partner and score, one for each
  partner's latest comments, a window function on SQLite and PostgreSQL alike).
- `partner_ratings_summary(partner_id, window=None, comments=3)`: one partner's
  RatingsSummary (the partner review, the partner's ratings page).

`window` is any object with `start` and `end` dates, both days included (such as
`portal.management.metrics.Window`); None counts every rating ever given.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select

from escalations.models import Escalation
from escalations.ratings.models import SCORES, RatingRequest
from portal.extensions import db

LATEST_COMMENTS = 3


@dataclass(frozen=True)
class RatingComment:
    escalation_id: int
    escalation_title: str
    score: int
    comment: str
    rated_at: datetime


@dataclass
class RatingsSummary:
    count: int = 0
    #: The mean score to one decimal (half up); None without ratings.
    mean: Decimal | None = None
    distribution: dict[int, int] = field(default_factory=lambda: dict.fromkeys(SCORES, 0))
    latest_comments: list[RatingComment] = field(default_factory=list)


def _rated_within(window):
    """The WHERE clauses of ratings given in `window` (days start to end, both included;
    None: all time)."""
    clauses = [RatingRequest.rated_at.is_not(None)]
    if window is not None:
        start = datetime.combine(window.start, time(), UTC)
        end = datetime.combine(window.end + timedelta(days=1), time(), UTC)
        clauses += [RatingRequest.rated_at >= start, RatingRequest.rated_at < end]
    return clauses


def ratings_summary(
    partner_ids, window=None, comments: int = LATEST_COMMENTS
) -> dict[int, RatingsSummary]:
    """{partner_id: RatingsSummary} for each of `partner_ids` (an empty summary for a
    partner without ratings), over ratings given in `window` (None: all time)."""
    partner_ids = list(dict.fromkeys(partner_ids))
    summaries = {partner_id: RatingsSummary() for partner_id in partner_ids}
    if not partner_ids:
        return summaries
    clauses = [RatingRequest.partner_id.in_(partner_ids), *_rated_within(window)]
    counts = db.session.execute(
        select(RatingRequest.partner_id, RatingRequest.score, func.count())
        .where(*clauses)
        .group_by(RatingRequest.partner_id, RatingRequest.score)
    )
    for partner_id, score, count in counts:
        summaries[partner_id].distribution[score] = count
    for summary in summaries.values():
        summary.count = sum(summary.distribution.values())
        if summary.count:
            total = sum(score * n for score, n in summary.distribution.items())
            summary.mean = (Decimal(total) / summary.count).quantize(
                Decimal("0.1"), rounding=ROUND_HALF_UP
            )
    if comments > 0:
        for partner_id, comment in _latest_comments(clauses, comments):
            summaries[partner_id].latest_comments.append(comment)
    return summaries


def _latest_comments(clauses, per_partner: int):
    rank = (
        func.row_number()
        .over(
            partition_by=RatingRequest.partner_id,
            order_by=(RatingRequest.rated_at.desc(), RatingRequest.id.desc()),
        )
        .label("rank")
    )
    ranked = (
        select(
            RatingRequest.partner_id,
            RatingRequest.escalation_id,
            RatingRequest.score,
            RatingRequest.comment,
            RatingRequest.rated_at,
            rank,
        )
        .where(*clauses, RatingRequest.comment != "")
        .subquery()
    )
    rows = db.session.execute(
        select(ranked, Escalation.title)
        .join(Escalation, Escalation.id == ranked.c.escalation_id)
        .where(ranked.c.rank <= per_partner)
        .order_by(ranked.c.partner_id, ranked.c.rank)
    )
    for row in rows:
        yield (
            row.partner_id,
            RatingComment(row.escalation_id, row.title, row.score, row.comment, row.rated_at),
        )


def partner_ratings_summary(
    partner_id: int, window=None, comments: int = LATEST_COMMENTS
) -> RatingsSummary:
    """One partner's ratings given in `window` (None: all time)."""
    return ratings_summary([partner_id], window, comments)[partner_id]
