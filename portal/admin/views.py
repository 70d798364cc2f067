"""Vendor admin pages: products and releases, users."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import selectinload

from portal.access import current_principal, get_visible_or_404, roles_required, scoped
from portal.admin.forms import ProductForm, ReleaseForm, UserFilterForm, UserForm, UserStatusForm
from portal.confirm import ask_to_confirm, confirmation, is_confirmed
from portal.errors import DomainError
from portal.extensions import db
from portal.models import Partner, Product, Release, User
from portal.models.users import USER_STATUSES
from portal.pagination import paginate_rows
from portal.partners.blueprint import form_status, refused
from portal.products.services import save_product, save_release
from portal.roles import ALL_ROLES, ROLE_LABELS, VENDOR_ADMIN
from portal.sorting import SortColumn, SortOptions
from portal.users.services import create_user, set_status, update_user

bp = Blueprint("admin", __name__, url_prefix="/admin")


# --- Products and releases -----------------------------------------------------------


RELEASE_SORT = SortOptions(
    SortColumn("released", Release.released_on, default_dir="desc"),
    SortColumn("version", Release.version),
    SortColumn("kind", Release.major, Release.released_on.desc(), default_dir="desc"),
    SortColumn("support", Release.supported, Release.released_on.desc(), default_dir="desc"),
    default="released",
    tiebreak=Release.id,
)


@bp.get("/products")
@roles_required(VENDOR_ADMIN)
def products():
    """Every product with its releases, in the order the releases' headers ask for."""
    rows = db.session.scalars(scoped(Product).order_by(Product.name)).all()
    sorting = RELEASE_SORT.from_request()
    releases: dict[int, list[Release]] = {product.id: [] for product in rows}
    for release in db.session.scalars(sorting.apply(scoped(Release))):
        releases[release.product_id].append(release)
    return render_template("admin/products.html", products=rows, releases=releases, sorting=sorting)


@bp.route("/products/new", methods=["GET", "POST"])
@roles_required(VENDOR_ADMIN)
def new_product():
    return _product_form(None)


@bp.route("/products/<int:product_id>/edit", methods=["GET", "POST"])
@roles_required(VENDOR_ADMIN)
def edit_product(product_id):
    return _product_form(get_visible_or_404(Product, product_id))


def _product_form(product: Product | None):
    form = ProductForm(obj=product)
    status = form_status()
    if form.validate_on_submit():
        try:
            saved = save_product(
                form.name.data,
                (form.slug.data or "").strip(),
                form.description.data,
                product,
                actor=current_principal(),
            )
        except DomainError as exc:
            status = refused(form, exc)
        else:
            db.session.commit()
            flash(f"Product {saved.name} saved.", "success")
            return redirect(url_for(".products", _anchor=f"product-{saved.id}"))
    return render_template("admin/product_form.html", form=form, product=product), status


@bp.route("/products/<int:product_id>/releases/new", methods=["GET", "POST"])
@roles_required(VENDOR_ADMIN)
def new_release(product_id):
    return _release_form(get_visible_or_404(Product, product_id), None)


@bp.route("/releases/<int:release_id>/edit", methods=["GET", "POST"])
@roles_required(VENDOR_ADMIN)
def edit_release(release_id):
    release = get_visible_or_404(Release, release_id)
    return _release_form(release.product, release)


def _release_form(product: Product, release: Release | None):
    form = ReleaseForm(obj=release)
    status = form_status()
    if form.validate_on_submit():
        try:
            saved = save_release(
                product,
                form.version.data,
                form.released_on.data,
                major=form.major.data,
                supported=form.supported.data,
                release=release,
                actor=current_principal(),
            )
        except DomainError as exc:
            status = refused(form, exc)
        else:
            db.session.commit()
            flash(f"{product.name} {saved.version} saved.", "success")
            return redirect(url_for(".products", _anchor=f"product-{product.id}"))
    return render_template(
        "admin/release_form.html", form=form, product=product, release=release
    ), status


# --- Users ---------------------------------------------------------------------------


USER_SORT = SortOptions(
    SortColumn("name", func.lower(User.name)),
    SortColumn("email", User.email),
    # By the role's label, as the list shows it.
    SortColumn("role", case(ROLE_LABELS, value=User.role), func.lower(User.name)),
    # Vendor staff (no partner) come last in either direction.
    SortColumn(
        "partner",
        select(func.lower(Partner.name)).where(Partner.id == User.partner_id).scalar_subquery(),
        func.lower(User.name),
    ),
    SortColumn("status", User.status, func.lower(User.name)),
    SortColumn("last_login", User.last_login_at, default_dir="desc"),
    default="name",
    tiebreak=User.id,
)


def _partners() -> list[Partner]:
    return db.session.scalars(scoped(Partner).order_by(Partner.name)).all()


@bp.get("/users")
@roles_required(VENDOR_ADMIN)
def users():
    filters = UserFilterForm(request.args)
    filters.set_partners(_partners())
    stmt = scoped(User).options(selectinload(User.partner))
    search = (filters.q.data or "").strip()
    if search:
        stmt = stmt.where(
            or_(
                User.name.icontains(search, autoescape=True),
                User.email.icontains(search, autoescape=True),
            )
        )
    if filters.role.data in ALL_ROLES:
        stmt = stmt.where(User.role == filters.role.data)
    if filters.status.data in USER_STATUSES:
        stmt = stmt.where(User.status == filters.status.data)
    partner_filter = filters.partner_id.data or ""
    if partner_filter == "vendor":
        stmt = stmt.where(User.partner_id.is_(None))
    elif partner_filter.isdigit() and len(partner_filter) < 10:
        stmt = stmt.where(User.partner_id == int(partner_filter))
    sorting = USER_SORT.from_request()
    page = paginate_rows(sorting.apply(stmt))
    filtered = bool(search or filters.role.data or filters.status.data or partner_filter)
    return render_template(
        "admin/users.html", page=page, filters=filters, filtered=filtered, sorting=sorting
    )


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required(VENDOR_ADMIN)
def new_user():
    form = UserForm()
    if request.method == "GET":  # pre-filled from the partner page's "add a partner admin"
        form.role.data = request.args.get("role", form.role.data)
        form.partner_id.data = request.args.get("partner_id", type=int)
    form.set_partners(_partners())
    status = form_status()
    if form.validate_on_submit():
        try:
            user = create_user(form.to_input(), actor=current_principal(), invite=True)
        except DomainError as exc:
            status = refused(form, exc)
        else:
            db.session.commit()
            flash(
                f"Account for {user.name} created. An invitation to choose a password is on "
                f"its way to {user.email}.",
                "success",
            )
            return redirect(url_for(".users"))
    return render_template("admin/user_form.html", form=form, user=None), status


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@roles_required(VENDOR_ADMIN)
def edit_user(user_id):
    user = get_visible_or_404(User, user_id)
    form = UserForm(obj=user)
    form.set_partners(_partners())
    status = form_status()
    if form.validate_on_submit():
        try:
            update_user(user, form.to_input(), actor=current_principal())
        except DomainError as exc:
            status = refused(form, exc)
        else:
            db.session.commit()
            flash(f"{user.name} saved.", "success")
            return redirect(url_for(".users"))
    return render_template("admin/user_form.html", form=form, user=user), status


@bp.post("/users/<int:user_id>/status")
@roles_required(VENDOR_ADMIN)
def user_status(user_id):
    user = get_visible_or_404(User, user_id)
    form = UserStatusForm()
    back_url = (
        url_for(".edit_user", user_id=user.id)
        if request.form.get("back") == "edit"
        else url_for(".users")
    )
    if not form.validate_on_submit():
        flash("Choose a valid status.", "error")
        return redirect(back_url)
    status = form.status.data
    deactivating = status != "active" and user.is_active and user.id != current_principal().id
    if deactivating and not is_confirmed():
        return ask_to_confirm(
            confirmation("user.deactivate", user=user),
            cancel_url=back_url,
            values={"status": status, "back": request.form.get("back", "")},
        )
    try:
        set_status(user, status, actor=current_principal())
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(
            f"{user.name} is now {user.status}."
            + (" They can no longer sign in." if not user.is_active else ""),
            "success",
        )
    return redirect(back_url)


from portal.admin import discount_views  # noqa: E402, F401  (its routes are on bp)
