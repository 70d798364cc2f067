"""The submission gate: the one check the form and the API both run before an escalation
is accepted. It reads, never writes; a refusal names the rule (API code), says why, and
says how to get there (the quiz to take, the environment to register).

Order: the partner's standing, the customer (another partner's is a 404), the product,
the submitter's certification, the release, the reproduction, the customisation, the
environment (another partner's is a 404), the business impact of an S1.
"""

from dataclasses import dataclass, field
from datetime import date

from flask import abort, url_for
from sqlalchemy import select
from werkzeug.routing import BuildError

from certification.advice import open_quizzes, quiz_url, release_to_take
from certification.currency import environment_state
from certification.models import Certification, ReproductionEnvironment
from certification.status import current_clause
from portal.errors import DomainError
from portal.extensions import db
from portal.models import Customer, Partner, Product, Release, User
from portal.models.base import utcnow
from portal.roles import TECHNICIAN


@dataclass
class EscalationInput:
    """What a submitter fills in (the form and the API's body, parsed)."""

    title: str = ""
    severity: str = "S3"
    product: str | None = None  # slug
    release: str | None = None  # version
    customer_id: int | None = None
    environment_id: int | None = None
    business_impact: str = ""
    steps: str = ""
    expected: str = ""
    actual: str = ""
    reproduced_on_vanilla: bool = False
    customization_involved: bool = False
    kb_articles_reviewed: list[str] = field(default_factory=list)
    kb_articles_suggested: list[str] = field(default_factory=list)
    kb_articles_opened: list[str] = field(default_factory=list)


class GateRefusal(DomainError):
    """A gate refused the submission; `how_to` and `how_to_url` say what would let it pass."""

    def __init__(
        self, code, message, *, status=422, fields=None, how_to: str = "", how_to_url=None
    ):
        super().__init__(code, message, status=status, fields=fields)
        self.how_to = how_to
        self.how_to_url = how_to_url


@dataclass(frozen=True)
class Passed:
    """What the gate resolved, for the service that then writes."""

    partner: Partner
    customer: Customer
    product: Product
    release: Release
    environment: ReproductionEnvironment


def _url(endpoint: str, **values) -> str | None:
    try:
        return url_for(endpoint, **values)
    except (BuildError, RuntimeError):
        return None


def is_certified(user: User, product_id: int, today: date) -> bool:
    """An active technician of their partner with a current certification for the product."""
    if user.role != TECHNICIAN or user.status != "active" or user.partner_id is None:
        return False
    found = db.session.scalar(
        select(Certification.id)
        .where(
            Certification.user_id == user.id,
            Certification.partner_id == user.partner_id,
            Certification.product_id == product_id,
            current_clause(today),
        )
        .limit(1)
    )
    return found is not None


def _not_certified(product: Product, now) -> GateRefusal:
    quizzes = open_quizzes({r.id for r in product.releases}, now)
    target = release_to_take(product.releases, quizzes)
    link = quiz_url(quizzes.get(target.id)) if target is not None else None
    how_to = (
        f"Pass the {product.name} {target.version} quiz to be certified"
        if target is not None
        else f"Get certified on {product.name}"
    ) + ", or ask a certified colleague to submit this escalation as a draft."
    return GateRefusal(
        "not_certified",
        f"Only a technician with a current {product.name} certification can escalate. " + how_to,
        status=403,
        how_to=how_to,
        how_to_url=link or _url("certification.my_certifications"),
    )


def _missing_reproduction(data: EscalationInput) -> dict[str, str]:
    missing = {}
    for name, label in (
        ("steps", "the steps to reproduce"),
        ("expected", "the expected result"),
        ("actual", "the actual result"),
    ):
        if not (getattr(data, name) or "").strip():
            missing[f"reproduction.{name}"] = f"Describe {label}."
    if data.reproduced_on_vanilla is not True:
        missing["reproduction.reproduced_on_vanilla"] = (
            "Confirm that it reproduces on the vanilla product."
        )
    return missing


def check_submission(submitter: User, data: EscalationInput, now=None) -> Passed:
    """Every gate for `submitter` submitting `data`; the first that fails raises.

    :raises GateRefusal: with the API's code and status.
    :raises NotFound: (404) for a customer or environment that is not the partner's.
    """
    now = now or utcnow()
    today = now.date()
    partner = submitter.partner
    if partner is None or submitter.role != TECHNICIAN:
        raise GateRefusal(
            "not_certified", "Only a partner's technician can submit an escalation.", status=403
        )
    if partner.status == "suspended":
        raise GateRefusal(
            "partner_suspended",
            f"{partner.name} is suspended and cannot escalate. Your partner admin can ask the "
            "vendor's partner-support manager what must happen first.",
            status=403,
            how_to="Ask your partner admin to contact the vendor's partner-support manager.",
        )
    customer = _own_or_404(Customer, data.customer_id, partner.id)
    if customer is None:
        raise DomainError(
            "validation_error",
            "Choose the customer the problem affects.",
            fields={"customer_id": "Required."},
        )

    product = (
        db.session.scalar(select(Product).where(Product.slug == data.product))
        if data.product
        else None
    )
    if product is None:
        raise GateRefusal(
            "release_not_supported",
            "Choose a product and one of its supported releases.",
            fields={"product": "Unknown product."},
        )
    if not is_certified(submitter, product.id, today):
        raise _not_certified(product, now)

    release = next((r for r in product.releases if r.version == data.release), None)
    if release is None or not release.supported:
        supported = ", ".join(r.version for r in product.supported_releases) or "none"
        raise GateRefusal(
            "release_not_supported",
            f"{product.name} {data.release or '(no release)'} is "
            f"{'not a supported release' if release else 'not a release'} of {product.name}: "
            "only a supported, unmodified release can be escalated. "
            f"Supported: {supported}.",
            fields={"release": f"Supported releases: {supported}."},
            how_to="Reproduce the problem on a supported release.",
        )

    missing = _missing_reproduction(data)
    if missing:
        raise GateRefusal(
            "reproduction_required",
            "Reproduce the problem on your vanilla environment and describe the steps, the "
            "expected and the actual result, then confirm that it reproduces on vanilla.",
            fields=missing,
        )
    if data.customization_involved:
        raise GateRefusal(
            "customization_involved",
            "A problem that involves your customisation and does not reproduce on the vanilla "
            "product is yours to handle under the agreement.",
            fields={
                "reproduction.customization_involved": (
                    "Only a problem without your customisation can be escalated."
                )
            },
            how_to="Reproduce it without the customisation on your vanilla environment.",
        )

    environment = _own_or_404(ReproductionEnvironment, data.environment_id, partner.id)
    if (
        environment is None
        or environment.release_id != release.id
        or (environment_state(environment, today) != "current")
    ):
        raise _environment_missing(release, environment, today)

    if data.severity == "S1" and not (data.business_impact or "").strip():
        raise GateRefusal(
            "business_impact_required",
            "An S1 (production down, no workaround) needs a business-impact statement.",
            fields={"business_impact": "Required for S1."},
        )
    return Passed(partner, customer, product, release, environment)


def _own_or_404(model, object_id, partner_id: int):
    """The partner's own row by id; None when no id was given; 404 for anyone else's."""
    if object_id is None:
        return None
    row = db.session.get(model, object_id)
    if row is None or row.partner_id != partner_id:
        abort(404)
    return row


def _environment_missing(release: Release, environment, today) -> GateRefusal:
    if environment is None:
        why = "Choose your reproduction environment for this release."
    elif environment.release_id != release.id:
        why = f"{environment.name} runs another release, not {release.label}."
    else:
        why = f"{environment.name} is {environment_state(environment, today)}, not current."
    how_to = (
        f"Register (or re-attest) a reproduction environment on {release.label}, reproduce "
        "the problem there, and choose it."
    )
    return GateRefusal(
        "environment_missing",
        f"{why} {how_to}",
        fields={"reproduction.environment_id": why},
        how_to=how_to,
        how_to_url=_url("certification.environment_new"),
    )
