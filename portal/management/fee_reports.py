"""Fee reports: the partner admin declares its support fees for a period, the support
manager approves the report or sends it back with a note.

draft -> submitted (the partner admin submits: the terms and figures are frozen)
submitted -> approved | sent_back (the support manager or vendor admin decides)
sent_back -> submitted (the partner admin corrects and resubmits)

A draft, and a report sent back, show the figures as they would be if submitted now; a
submitted or approved report shows them as they were when it was submitted. One report per
partner and period (a unique constraint holds it under concurrency); each move is guarded
by its state in the UPDATE itself, so two decisions at once cannot both happen. Every
change is audited with the partner's id.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from portal.audit import record_change, snapshot
from portal.errors import DomainError
from portal.extensions import db
from portal.management import fees
from portal.management.case_volume import CaseFigures, case_figures, report_cases
from portal.management.fees import FeeFigures, FeeTerms, Period, Readjustment
from portal.management.metrics import Window, months_between, partner_tallies
from portal.models import Agreement, AuditEntry, Partner, Product
from portal.models.agreements import ProductMinimum
from portal.models.base import utcnow
from portal.models.case_volumes import MAX_CASES, CaseVolume
from portal.models.fees import FeeReport
from portal.partners.discounts import discount_for
from portal.roles import PARTNER_ADMIN, SUPPORT_MANAGER, VENDOR_ADMIN

#: Who decides on a submitted report.
DECIDERS = frozenset({SUPPORT_MANAGER, VENDOR_ADMIN})
#: How many periods back (the current one included) a partner may declare.
OPEN_PERIODS = 8
#: The longest note a decision keeps.
NOTE_MAX = 4000
#: What a submission freezes on the report.
FROZEN = (
    "agreement_id",
    "currency",
    "fee_model",
    "fee_percentage",
    "fixed_fee",
    "tier",
    "discount_percent",
    "vendor_share",
    "discount_amount",
    "amount_due",
    "escalations",
    "cost_per_escalation",
)
EDITABLE = ("draft", "sent_back")


# --- Reading -----------------------------------------------------------------------------


def agreement_in_force(partner: Partner) -> Agreement:
    """:raises DomainError: no_agreement, when the partner has no agreement in force."""
    agreement = partner.agreement_in_force
    if agreement is None:
        raise DomainError(
            "no_agreement",
            f"{partner.name} has no agreement in force: its fee terms are not set yet.",
            status=409,
        )
    return agreement


def current_terms(partner: Partner, agreement: Agreement) -> FeeTerms:
    return FeeTerms(
        currency=agreement.currency,
        fee_model=agreement.fee_model,
        fee_percentage=agreement.fee_percentage,
        fixed_fee=agreement.fixed_fee,
        tier=partner.tier,
        discount_percent=discount_for(partner.tier),
    )


def frozen_terms(report: FeeReport) -> FeeTerms:
    return FeeTerms(
        currency=report.currency,
        fee_model=report.fee_model,
        fee_percentage=report.fee_percentage,
        fixed_fee=report.fixed_fee,
        tier=report.tier,
        discount_percent=report.discount_percent,
    )


def escalation_volume(partner_id: int, start: date, end: date) -> int:
    """The escalations the partner submitted from `start` to `end` (the roll-ups' months)."""
    tally = partner_tallies(Window(start, end), [partner_id]).get(partner_id)
    return tally.submitted if tally is not None else 0


def report_period(report: FeeReport) -> Period:
    kind = fees.period_kind(report.period_start, report.period_end) or "quarter"
    return Period(kind, report.period_start, report.period_end)


@dataclass(frozen=True)
class FeeView:
    """A report as its page shows it: the terms and figures, live or frozen."""

    report: FeeReport
    period: Period
    terms: FeeTerms
    figures: FeeFigures
    live: bool
    readjustment: Readjustment | None


def fee_view(report: FeeReport, previous: list[int] | None = None) -> FeeView:
    """The report's terms and figures: as submitted, or (draft, sent back) as they are now.

    `previous`: the previous reports' volumes, newest first, when the caller has them.
    """
    live = report.status in EDITABLE
    if live and report.partner.agreement_in_force is not None:
        terms = current_terms(report.partner, report.partner.agreement_in_force)
        volume = escalation_volume(report.partner_id, report.period_start, report.period_end)
        figures = fees.fee_figures(report.declared_fees, terms, volume)
    else:
        live = False
        terms = frozen_terms(report)
        figures = FeeFigures(
            report.vendor_share,
            report.discount_amount,
            report.amount_due,
            report.escalations,
            report.cost_per_escalation,
        )
    if previous is None:
        previous = previous_volumes([report])[report.id]
    return FeeView(
        report,
        report_period(report),
        terms,
        figures,
        live,
        fees.readjustment(figures.escalations, previous),
    )


def previous_volumes(reports: list[FeeReport]) -> dict[int, list[int]]:
    """For each report, the escalation volumes of its partner's earlier reports of the same
    kind of period that were submitted (newest first, at most four): one query for all."""
    partner_ids = {r.partner_id for r in reports}
    if not partner_ids:
        return {}
    earlier = db.session.execute(
        select(
            FeeReport.partner_id,
            FeeReport.period_start,
            FeeReport.period_end,
            FeeReport.escalations,
        )
        .where(FeeReport.partner_id.in_(partner_ids), FeeReport.status != "draft")
        .order_by(FeeReport.period_start.desc())
    ).all()
    result = {}
    for report in reports:
        kind = fees.period_kind(report.period_start, report.period_end)
        result[report.id] = [
            row.escalations
            for row in earlier
            if row.partner_id == report.partner_id
            and row.period_start < report.period_start
            and fees.period_kind(row.period_start, row.period_end) == kind
        ][: fees.READJUST_HISTORY]
    return result


def partner_reports(partner: Partner) -> list[FeeReport]:
    return list(
        db.session.scalars(
            select(FeeReport)
            .where(FeeReport.partner_id == partner.id)
            .order_by(FeeReport.period_start.desc())
        )
    )


def awaiting_decision() -> list[FeeReport]:
    """Submitted reports, the longest waiting first (vendor staff only call this)."""
    return list(
        db.session.scalars(
            select(FeeReport)
            .where(FeeReport.status == "submitted")
            .order_by(FeeReport.submitted_at, FeeReport.id)
        )
    )


def report_history(report: FeeReport) -> list[AuditEntry]:
    """The report's audit entries, oldest first."""
    return list(
        db.session.scalars(
            select(AuditEntry)
            .where(
                AuditEntry.object_type == "FeeReport",
                AuditEntry.object_id == report.id,
                AuditEntry.partner_id == report.partner_id,
            )
            .order_by(AuditEntry.created_at, AuditEntry.id)
        )
    )


def open_periods(partner: Partner, today: date) -> list[Period]:
    """The periods the partner may still declare: the current one and those before it
    (`OPEN_PERIODS` in all) that have no report yet, newest first."""
    agreement = agreement_in_force(partner)
    taken = set(
        db.session.scalars(select(FeeReport.period_start).where(FeeReport.partner_id == partner.id))
    )
    periods = fees.recent_periods(today, agreement.fee_period, OPEN_PERIODS)
    return [p for p in periods if p.start not in taken]


# --- Changing ----------------------------------------------------------------------------


def _require_partner_admin(partner_id: int, actor) -> None:
    if actor.role != PARTNER_ADMIN or actor.partner_id != partner_id:
        raise DomainError(
            "forbidden", "Only the partner's admin declares its support fees.", status=403
        )


def _declared(text) -> Decimal:
    try:
        return fees.parse_amount(text)
    except fees.InvalidAmount as exc:
        raise DomainError(
            "validation_error", str(exc), fields={"declared_fees": str(exc)}
        ) from None


def _apply_live(report: FeeReport, partner: Partner, agreement: Agreement) -> FeeView:
    """Store the terms and figures as they are now on the report (a draft keeps them as a
    record; a submission freezes them)."""
    terms = current_terms(partner, agreement)
    volume = escalation_volume(partner.id, report.period_start, report.period_end)
    figures = fees.fee_figures(report.declared_fees, terms, volume)
    report.agreement_id = agreement.id
    report.currency = terms.currency
    report.fee_model = terms.fee_model
    report.fee_percentage = terms.fee_percentage if terms.fee_model == "percentage" else None
    report.fixed_fee = terms.fixed_fee if terms.fee_model == "fixed" else None
    report.tier = terms.tier
    report.discount_percent = terms.discount_percent
    report.vendor_share = figures.vendor_share
    report.discount_amount = figures.discount_amount
    report.amount_due = figures.amount_due
    report.escalations = figures.escalations
    report.cost_per_escalation = figures.cost_per_escalation
    return figures


def declare_fees(partner: Partner, period_start, declared, *, actor, today: date) -> FeeReport:
    """The partner admin starts the report of a period with its declared fees (a draft).

    :raises DomainError: forbidden (403), no_agreement (409), validation_error (a period
        that is not one of the agreement's, in the future, or an amount that is not one),
        report_exists (409) when the period already has a report.
    """
    _require_partner_admin(partner.id, actor)
    agreement = agreement_in_force(partner)
    amount = _declared(declared)
    period = _period(period_start, agreement.fee_period, today)
    existing = db.session.scalar(
        select(FeeReport).where(
            FeeReport.partner_id == partner.id, FeeReport.period_start == period.start
        )
    )
    if existing is not None:
        raise DomainError(
            "report_exists",
            f"{period.label} already has a fee report ({existing.status.replace('_', ' ')}).",
            status=409,
        )
    report = FeeReport(
        partner_id=partner.id,
        period_start=period.start,
        period_end=period.end,
        declared_fees=amount,
        status="draft",
        decision_note="",
    )
    _apply_live(report, partner, agreement)
    db.session.add(report)
    record_change(
        "fee_report.declared",
        report,
        partner_id=partner.id,
        actor=actor,
        after={"period": period.label, "declared_fees": amount, "currency": report.currency},
        summary=f"{period.label}: {fees.money_text(amount, report.currency)} declared",
    )
    return report


def _period(period_start, kind: str, today: date) -> Period:
    error = {"period": "Choose one of the periods offered."}
    try:
        start = (
            period_start
            if isinstance(period_start, date)
            else date.fromisoformat(str(period_start or ""))
        )
    except ValueError:
        raise DomainError("validation_error", "Unknown period.", fields=error) from None
    period = fees.period_starting(start, kind)
    if period is None or period not in fees.recent_periods(today, kind, OPEN_PERIODS):
        raise DomainError(
            "validation_error",
            f"Declare a {kind} that has started, at most {OPEN_PERIODS} {kind}s back.",
            fields=error,
        )
    return period


def _require_editable(report: FeeReport) -> None:
    if report.status not in EDITABLE:
        raise DomainError(
            "invalid_transition",
            f"This report is {report.status.replace('_', ' ')}: it can no longer be changed.",
            status=409,
        )


def edit_fees(report: FeeReport, declared, *, actor) -> FeeReport:
    """The partner admin corrects the declared fees of a draft or a report sent back.

    :raises DomainError: forbidden, invalid_transition (409), validation_error.
    """
    _require_partner_admin(report.partner_id, actor)
    _require_editable(report)
    amount = _declared(declared)
    before = report.declared_fees
    if amount == before:
        return report
    report.declared_fees = amount
    _apply_live(report, report.partner, agreement_in_force(report.partner))
    record_change(
        "fee_report.updated",
        report,
        partner_id=report.partner_id,
        actor=actor,
        before={"declared_fees": before},
        after={"declared_fees": amount},
        summary=f"{report_period(report).label}: declared fees "
        f"{fees.money_text(before, report.currency)} → {fees.money_text(amount, report.currency)}",
    )
    return report


def _move(report: FeeReport, from_states: tuple[str, ...], values: dict) -> None:
    """Change the report's state only if it is still in `from_states` (in the UPDATE's own
    WHERE, so a concurrent decision cannot slip between the check and the change).

    :raises DomainError: invalid_transition (409).
    """
    db.session.flush()
    result = db.session.execute(
        update(FeeReport)
        .where(FeeReport.id == report.id, FeeReport.status.in_(from_states))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.refresh(report)
        raise DomainError(
            "invalid_transition",
            f"This report is {report.status.replace('_', ' ')}: that is no longer possible.",
            status=409,
        )
    db.session.refresh(report)


def submit_report(report: FeeReport, *, actor, now: datetime | None = None) -> FeeReport:
    """The partner admin submits: the terms and figures are computed and frozen.

    :raises DomainError: forbidden, invalid_transition (409), no_agreement (409).
    """
    _require_partner_admin(report.partner_id, actor)
    _require_editable(report)
    resubmitted = report.status == "sent_back"
    agreement = agreement_in_force(report.partner)
    _apply_live(report, report.partner, agreement)
    frozen = snapshot(report, FROZEN)
    _move(
        report,
        EDITABLE,
        {
            **{name: getattr(report, name) for name in FROZEN},
            "status": "submitted",
            "submitted_by_id": actor.id,
            "submitted_at": now or utcnow(),
            # A new decision is awaited (the previous one stays in the history).
            "decided_by_id": None,
            "decided_at": None,
            "decision_note": "",
        },
    )
    label = report_period(report).label
    record_change(
        "fee_report.resubmitted" if resubmitted else "fee_report.submitted",
        report,
        partner_id=report.partner_id,
        actor=actor,
        before={"status": "sent_back" if resubmitted else "draft"},
        after={"status": "submitted", "declared_fees": report.declared_fees, **frozen},
        summary=f"{label} submitted: {fees.money_text(report.amount_due, report.currency)} due",
    )
    return report


def _require_decider(actor) -> None:
    if actor.role not in DECIDERS:
        raise DomainError(
            "forbidden", "Only the support manager or a vendor admin decides.", status=403
        )


def approve_report(report: FeeReport, *, actor, now: datetime | None = None) -> FeeReport:
    """:raises DomainError: forbidden (403), invalid_transition (409)."""
    _require_decider(actor)
    _move(
        report,
        ("submitted",),
        {"status": "approved", "decided_by_id": actor.id, "decided_at": now or utcnow()},
    )
    record_change(
        "fee_report.approved",
        report,
        partner_id=report.partner_id,
        actor=actor,
        before={"status": "submitted"},
        after={"status": "approved"},
        summary=f"{report_period(report).label} approved: "
        f"{fees.money_text(report.amount_due, report.currency)} due",
    )
    return report


def check_note(note) -> str:
    """A decision note as kept; :raises DomainError: note_required, when blank or too long."""
    note = (note or "").strip()
    if not note:
        message = "Say what the partner should correct."
        raise DomainError("note_required", message, fields={"note": message})
    if len(note) > NOTE_MAX:
        message = f"At most {NOTE_MAX} characters."
        raise DomainError("validation_error", message, fields={"note": message})
    return note


def send_back_report(report: FeeReport, note, *, actor, now: datetime | None = None) -> FeeReport:
    """The support manager sends a submitted report back with a note (required).

    :raises DomainError: forbidden (403), note_required, invalid_transition (409).
    """
    _require_decider(actor)
    note = check_note(note)
    _move(
        report,
        ("submitted",),
        {
            "status": "sent_back",
            "decided_by_id": actor.id,
            "decided_at": now or utcnow(),
            "decision_note": note,
        },
    )
    record_change(
        "fee_report.sent_back",
        report,
        partner_id=report.partner_id,
        actor=actor,
        before={"status": "submitted"},
        after={"status": "sent_back", "note": note},
        summary=f"{report_period(report).label} sent back",
    )
    return report


# --- First-line volume on the report -----------------------------------------------------
#
# While a report can be changed, its partner admin may also give the cases it handled
# itself in each month of the period, per product: the same figures as
# `POST /api/v1/partners/{id}/case-volume`, saved through `report_cases` (source
# "fee_report") in the same transaction as the fees. The products offered are those of
# the agreement's certified minimums, plus any product already reported for the period.

CASES_PREFIX = "cases-"
_WHOLE = re.compile(r"^\d{1,9}$")


@dataclass(frozen=True)
class CaseCell:
    """One month and product of the period: its form field's name and the figure so far."""

    month: date
    product: Product
    cases: int | None

    @property
    def name(self) -> str:
        return f"{CASES_PREFIX}{self.month:%Y-%m}-{self.product.slug}"


@dataclass(frozen=True)
class CaseGrid:
    months: list[date]
    products: list[Product]
    cells: list[CaseCell]

    def cell(self, month: date, product: Product) -> CaseCell:
        return next(c for c in self.cells if c.month == month and c.product.id == product.id)


def case_grid(partner: Partner, start: date, end: date, today: date | None = None) -> CaseGrid:
    """The months of the period that have begun, and the products the partner reports on
    (two queries)."""
    today = today or utcnow().date()
    months = [m for m in months_between(start, end) if m <= today]
    reported = (
        db.session.scalars(
            select(CaseVolume)
            .where(CaseVolume.partner_id == partner.id, CaseVolume.month.in_(months))
            .options(selectinload(CaseVolume.product))
        ).all()
        if months
        else []
    )
    products = {row.product.id: row.product for row in reported}
    agreement = partner.agreement_in_force
    if agreement is not None:
        for product in db.session.scalars(
            select(Product)
            .join(ProductMinimum, ProductMinimum.product_id == Product.id)
            .where(ProductMinimum.agreement_id == agreement.id)
        ):
            products.setdefault(product.id, product)
    ordered = sorted(products.values(), key=lambda p: (p.name, p.id))
    figures = {(row.month, row.product_id): row.cases for row in reported}
    cells = [
        CaseCell(month, product, figures.get((month, product.id)))
        for month in months
        for product in ordered
    ]
    return CaseGrid(months, ordered, cells)


def _case_figure(text) -> int | None:
    """A field's text as a number of cases; None when left blank.

    :raises ValueError: when it is not a whole number from 0 to MAX_CASES.
    """
    text = (text or "").strip().replace(",", "").replace(" ", "")
    if not text:
        return None
    if not _WHOLE.match(text) or int(text) > MAX_CASES:
        raise ValueError(text)
    return int(text)


def report_period_cases(
    partner: Partner, grid: CaseGrid, values: Mapping[str, str], *, actor
) -> int:
    """Save the cases typed on the fee report (blank: not reported; the same figure again:
    nothing changes). All are checked before any is saved. Does not commit.

    :returns: how many figures changed.
    :raises DomainError: forbidden (403) unless `actor` is the partner's admin;
        validation_error with a message per field.
    """
    _require_partner_admin(partner.id, actor)
    names = {cell.name for cell in grid.cells}
    stray = [
        key
        for key, text in values.items()
        if key.startswith(CASES_PREFIX) and key not in names and (text or "").strip()
    ]
    if stray:
        message = "The cases typed are for months outside this period: check the period."
        raise DomainError("validation_error", message, fields={"cases": message})
    figures, errors = [], {}
    for cell in grid.cells:
        try:
            cases = _case_figure(values.get(cell.name))
        except ValueError:
            errors[cell.name] = f"A whole number from 0 to {MAX_CASES:,}, or blank."
            continue
        if cases is not None:
            figures.append((cell, cases))
    if errors:
        raise DomainError("validation_error", "Check the cases handled.", fields=errors)
    changed = 0
    for cell, cases in figures:
        if cell.cases != cases:
            changed += 1
        report_cases(
            partner, actor, f"{cell.month:%Y-%m}", cell.product.slug, cases, source="fee_report"
        )
    return changed


def period_case_figures(report: FeeReport) -> CaseFigures | None:
    """The cases reported for the report's months, the escalations of those same months and
    products, and escalations per 100 cases; None when no month of it was reported."""
    window = Window(report.period_start, report.period_end)
    return case_figures([report.partner_id], window).get(report.partner_id)
