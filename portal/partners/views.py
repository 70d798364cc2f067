"""Partner pages: the vendor's partner list, creating and editing partners, a partner's page.

Agreements are in `agreement_views`, technicians and customers in `people_views`; all
three register on the one `partners` blueprint.
"""

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import selectinload

from portal.access import current_principal, roles_required, scoped, signed_in, vendor_only
from portal.errors import DomainError
from portal.extensions import db
from portal.models import Agreement, Customer, Partner, User
from portal.models.partners import PARTNER_STATUSES, PARTNER_TIERS
from portal.pagination import paginate_rows
from portal.partners import (  # noqa: F401  (register routes)
    agreement_views,
    onboarding_views,
    people_views,
)
from portal.partners.blueprint import (
    agreement_history_options,
    bp,
    form_status,
    load_partner,
    refused,
)
from portal.partners.compliance import compliance_for
from portal.partners.forms import PartnerFilterForm, PartnerForm
from portal.partners.services import save_partner
from portal.roles import PARTNER_ADMIN, SUPPORT_MANAGER, TECHNICIAN, VENDOR_ADMIN
from portal.sorting import SortColumn, SortOptions

__all__ = ["bp"]

#: How many technicians and customers the partner page lists before "see all".
PREVIEW = 8

PARTNER_SORT = SortOptions(
    SortColumn("name", func.lower(Partner.name)),
    SortColumn("region", func.lower(Partner.region), func.lower(Partner.name)),
    # Tiers from the lowest to the highest, not alphabetically.
    SortColumn(
        "tier",
        case({tier: rank for rank, tier in enumerate(PARTNER_TIERS)}, value=Partner.tier),
        func.lower(Partner.name),
    ),
    SortColumn("status", Partner.status, func.lower(Partner.name)),
    SortColumn(
        "manager",
        select(func.lower(User.name))
        .where(User.id == Partner.support_manager_id)
        .scalar_subquery(),
        func.lower(Partner.name),
    ),
    default="name",
    tiebreak=Partner.id,
)


@bp.get("/")
@vendor_only
def index():
    filters = PartnerFilterForm(request.args)
    stmt = scoped(Partner).options(
        selectinload(Partner.support_manager),
        selectinload(Partner.agreements.and_(Agreement.status.in_(("in_force", "proposed")))),
    )
    search = (filters.q.data or "").strip()
    if search:
        stmt = stmt.where(
            or_(
                Partner.name.icontains(search, autoescape=True),
                Partner.slug.icontains(search, autoescape=True),
                Partner.region.icontains(search, autoescape=True),
            )
        )
    if filters.status.data in PARTNER_STATUSES:
        stmt = stmt.where(Partner.status == filters.status.data)
    sorting = PARTNER_SORT.from_request()
    page = paginate_rows(sorting.apply(stmt))
    return render_template(
        "partners/index.html", page=page, filters=filters, search=search, sorting=sorting
    )


def _support_managers() -> list[User]:
    return db.session.scalars(
        select(User)
        .where(User.role == SUPPORT_MANAGER, User.status == "active")
        .order_by(User.name)
    ).all()


@bp.route("/new", methods=["GET", "POST"])
@roles_required(VENDOR_ADMIN)
def new():
    form = PartnerForm()
    form.set_managers(_support_managers())
    status = form_status()
    if form.validate_on_submit():
        try:
            partner = save_partner(form.to_input(), actor=current_principal())
        except DomainError as exc:
            status = refused(form, exc)
        else:
            db.session.commit()
            flash(
                f"Partner {partner.name} created. Next: add its admin and propose an agreement.",
                "success",
            )
            return redirect(url_for(".detail", partner_id=partner.id))
    return render_template("partners/form.html", form=form, partner=None), status


@bp.route("/<int:partner_id>/edit", methods=["GET", "POST"])
@roles_required(VENDOR_ADMIN)
def edit(partner_id):
    partner = load_partner(partner_id)
    form = PartnerForm(obj=partner)
    form.set_managers(_support_managers())
    status = form_status()
    if form.validate_on_submit():
        try:
            save_partner(form.to_input(), partner, actor=current_principal())
        except DomainError as exc:
            status = refused(form, exc)
        else:
            db.session.commit()
            flash(f"Partner {partner.name} saved.", "success")
            return redirect(url_for(".detail", partner_id=partner.id))
    return render_template("partners/form.html", form=form, partner=partner), status


@bp.get("/mine")
@signed_in
def mine():
    partner_id = current_principal().partner_id
    if partner_id is None:  # vendor staff have no partner of their own
        return redirect(url_for(".index"))
    return redirect(url_for(".detail", partner_id=partner_id))


@bp.get("/<int:partner_id>")
@signed_in
def detail(partner_id):
    partner = load_partner(
        partner_id, selectinload(Partner.support_manager), agreement_history_options()
    )
    people = scoped(User).where(User.partner_id == partner.id)
    technicians = db.session.scalars(
        people.where(User.role == TECHNICIAN)
        .order_by(User.status != "active", User.name)
        .limit(PREVIEW)
    ).all()
    technician_counts = dict(
        db.session.execute(
            people.with_only_columns(User.status, func.count())
            .where(User.role == TECHNICIAN)
            .group_by(User.status)
        ).all()
    )
    admins = db.session.scalars(people.where(User.role == PARTNER_ADMIN).order_by(User.name)).all()
    owned_customers = scoped(Customer).where(Customer.partner_id == partner.id)
    customers = db.session.scalars(owned_customers.order_by(Customer.name).limit(PREVIEW)).all()
    customer_count, seat_total = db.session.execute(
        owned_customers.with_only_columns(func.count(), func.coalesce(func.sum(Customer.seats), 0))
    ).one()
    active = technician_counts.get("active", 0)
    inactive = sum(technician_counts.values()) - active
    return render_template(
        "partners/detail.html",
        partner=partner,
        compliance=compliance_for(partner),
        technicians=technicians,
        technician_summary=f"{active} active" + (f", {inactive} inactive" if inactive else ""),
        admins=admins,
        customers=customers,
        customer_count=customer_count,
        seat_total=seat_total,
    )
