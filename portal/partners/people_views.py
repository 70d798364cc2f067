"""A partner's technicians and customers.

A partner admin manages its own partner's (under /partners/mine/...); vendor admins manage
any partner's from its page (under /partners/<id>/...). Both post to the /partners/<id>/
URLs, where the scoped loaders make another partner's rows a 404.
"""

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import func

from portal.access import current_principal, roles_required, scoped
from portal.confirm import ask_to_confirm, confirmation, is_confirmed
from portal.confirmations import RESTRICTING_STATUSES
from portal.errors import DomainError
from portal.extensions import db
from portal.models import Customer, Partner, User
from portal.pagination import paginate_rows
from portal.partners.blueprint import (
    bp,
    form_status,
    load_owned,
    load_partner,
    own_partner_id,
    refused,
)
from portal.partners.forms import CustomerForm, TechnicianForm, TechnicianStatusForm
from portal.partners.services import save_customer
from portal.roles import PARTNER_ADMIN, SUPPORT_MANAGER, TECHNICIAN, VENDOR_ADMIN, VENDOR_ENGINEER
from portal.sorting import SortColumn, SortOptions
from portal.users.services import add_technician, set_status

READ_ROLES = (VENDOR_ADMIN, SUPPORT_MANAGER, VENDOR_ENGINEER, PARTNER_ADMIN)
MANAGE_ROLES = (VENDOR_ADMIN, PARTNER_ADMIN)
TECHNICIAN_SORT = SortOptions(
    SortColumn("name", func.lower(User.name)),
    SortColumn("email", User.email),
    # Alphabetically, "active" comes first: the people who count for the partner.
    SortColumn("status", User.status, func.lower(User.name)),
    SortColumn("last_login", User.last_login_at, default_dir="desc"),
    default="status",
    tiebreak=User.id,
)
CUSTOMER_SORT = SortOptions(
    SortColumn("name", func.lower(Customer.name)),
    SortColumn("seats", Customer.seats, func.lower(Customer.name), default_dir="desc"),
    SortColumn("since", Customer.created_at, default_dir="desc"),
    default="name",
    tiebreak=Customer.id,
)
STATUS_MESSAGES = {
    "active": "{name} is active again.",
    "reassigned": "{name} is marked reassigned and no longer counts as certified for you.",
    "left": "{name} is marked as having left; they can no longer sign in.",
}


def _list_url(kind: str, partner: Partner) -> str:
    """Partner users manage through their "mine" pages; vendor staff through the partner's."""
    if current_principal().is_partner_user:
        return url_for(f".my_{kind}")
    return url_for(f".{kind}", partner_id=partner.id)


# --- Technicians ---------------------------------------------------------------------


def _technicians_page(partner: Partner, form: TechnicianForm, status: int = 200):
    stmt = scoped(User).where(User.partner_id == partner.id, User.role == TECHNICIAN)
    sorting = TECHNICIAN_SORT.from_request()
    page = paginate_rows(sorting.apply(stmt))
    return render_template(
        "partners/technicians.html",
        partner=partner,
        page=page,
        form=form,
        sorting=sorting,
        list_endpoint=request.endpoint,
    ), status


@bp.get("/mine/technicians")
@roles_required(PARTNER_ADMIN)
def my_technicians():
    return _technicians_page(load_partner(own_partner_id()), TechnicianForm(formdata=None))


@bp.get("/<int:partner_id>/technicians")
@roles_required(*READ_ROLES)
def technicians(partner_id):
    return _technicians_page(load_partner(partner_id), TechnicianForm(formdata=None))


@bp.post("/<int:partner_id>/technicians")
@roles_required(*MANAGE_ROLES)
def add_technician_to_partner(partner_id):
    partner = load_partner(partner_id)
    form = TechnicianForm()
    status = 400
    if form.validate_on_submit():
        try:
            user = add_technician(
                partner, form.email.data, form.name.data, actor=current_principal()
            )
        except DomainError as exc:
            status = refused(form, exc)
        else:
            db.session.commit()
            flash(
                f"{user.name} added. An invitation to choose a password is on its way to "
                f"{user.email}.",
                "success",
            )
            return redirect(_list_url("technicians", partner))
    return _technicians_page(partner, form, status)


@bp.post("/<int:partner_id>/technicians/<int:user_id>/status")
@roles_required(*MANAGE_ROLES)
def technician_status(partner_id, user_id):
    partner = load_partner(partner_id)
    technician = load_owned(User, user_id, partner, User.role == TECHNICIAN)
    form = TechnicianStatusForm()
    if not form.validate_on_submit():
        flash("Choose a valid status.", "error")
        return redirect(_list_url("technicians", partner))
    status = form.status.data
    if status in RESTRICTING_STATUSES and status != technician.status and not is_confirmed():
        return ask_to_confirm(
            confirmation(
                "technician.status", technician=technician, status=status, partner=partner
            ),
            cancel_url=_list_url("technicians", partner),
            values={"status": status},
        )
    try:
        set_status(technician, status, actor=current_principal())
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(STATUS_MESSAGES[technician.status].format(name=technician.name), "success")
    return redirect(_list_url("technicians", partner))


# --- Customers -----------------------------------------------------------------------


def _customers_page(partner: Partner, form: CustomerForm, status: int = 200):
    owned = scoped(Customer).where(Customer.partner_id == partner.id)
    search = (request.args.get("q") or "").strip()
    listed = owned.where(Customer.name.icontains(search, autoescape=True)) if search else owned
    sorting = CUSTOMER_SORT.from_request()
    page = paginate_rows(sorting.apply(listed))
    customer_count, seat_total = db.session.execute(
        owned.with_only_columns(func.count(), func.coalesce(func.sum(Customer.seats), 0))
    ).one()
    return render_template(
        "partners/customers.html",
        partner=partner,
        page=page,
        form=form,
        search=search,
        customer_count=customer_count,
        seat_total=seat_total,
        sorting=sorting,
        list_endpoint=request.endpoint,
    ), status


@bp.get("/mine/customers")
@roles_required(PARTNER_ADMIN)
def my_customers():
    return _customers_page(load_partner(own_partner_id()), CustomerForm(formdata=None))


@bp.get("/<int:partner_id>/customers")
@roles_required(*READ_ROLES)
def customers(partner_id):
    return _customers_page(load_partner(partner_id), CustomerForm(formdata=None))


@bp.post("/<int:partner_id>/customers")
@roles_required(*MANAGE_ROLES)
def add_customer(partner_id):
    partner = load_partner(partner_id)
    form = CustomerForm()
    status = 400
    if form.validate_on_submit():
        try:
            customer = save_customer(
                partner,
                form.name.data,
                form.seats.data,
                actor=current_principal(),
                contact_email=form.contact_email.data or "",
            )
        except DomainError as exc:
            status = refused(form, exc)
        else:
            db.session.commit()
            flash(f"Customer {customer.name} added.", "success")
            return redirect(_list_url("customers", partner))
    return _customers_page(partner, form, status)


@bp.route("/<int:partner_id>/customers/<int:customer_id>/edit", methods=["GET", "POST"])
@roles_required(*MANAGE_ROLES)
def edit_customer(partner_id, customer_id):
    partner = load_partner(partner_id)
    customer = load_owned(Customer, customer_id, partner)
    form = CustomerForm(obj=customer)
    status = form_status()
    if form.validate_on_submit():
        try:
            save_customer(
                partner,
                form.name.data,
                form.seats.data,
                customer,
                actor=current_principal(),
                contact_email=form.contact_email.data or "",
            )
        except DomainError as exc:
            status = refused(form, exc)
        else:
            db.session.commit()
            flash(f"Customer {customer.name} saved.", "success")
            return redirect(_list_url("customers", partner))
    return render_template(
        "partners/customer_form.html",
        partner=partner,
        customer=customer,
        form=form,
        back_url=_list_url("customers", partner),
    ), status
