"""The public partner directory: certified and premier partners, filtered and sorted."""

from flask import render_template, request

from certification.blueprint import bp
from certification.directory import (
    LISTED_TIERS,
    TIER_LABELS,
    DirectoryFilters,
    directory_sort,
    directory_stmt,
    entries_for,
    filter_choices,
)
from portal.access import public
from portal.models.base import utcnow
from portal.pagination import paginate_rows


@bp.get("/directory")
@public
def directory():
    today = utcnow().date()
    filters = DirectoryFilters.from_args(request.args)
    sorting = directory_sort(today).from_request()
    page = paginate_rows(sorting.apply(directory_stmt(filters, today)))
    return render_template(
        "certification/directory/index.html",
        page=page,
        entries=entries_for(page.items, today),
        sorting=sorting,
        filters=filters,
        choices=filter_choices(),
        tiers=[(tier, TIER_LABELS[tier]) for tier in LISTED_TIERS],
        tier_labels=TIER_LABELS,
    )
