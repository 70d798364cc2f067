"""Reproduction environments: a partner's labs, each running one vanilla product release.

A partner admin registers a lab on a supported release, attesting that it runs the
release unmodified; re-attests it to keep it current (see `currency`); edits it (an edit
is a fresh attestation of what it now runs); retires it. Vendor staff mark one verified
after checking it themselves. Every change is audited and the partner's compliance
refreshed in the caller's transaction; nothing commits here.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from certification.compliance import refresh_partner
from certification.models import ReproductionEnvironment
from portal.audit import record_change, snapshot
from portal.errors import DomainError
from portal.extensions import db
from portal.models import Partner, Product, Release
from portal.models.base import utcnow

FIELDS = ("release_id", "name", "operating_system", "database", "product_build", "notes")
AUDITED = (
    "product_id",
    *FIELDS,
    "attested_at",
    "attested_by_id",
    "verified_at",
    "verified_by_id",
    "retired_at",
)
#: What the vendor verified: changing any of these asks for a fresh verification.
SETUP_FIELDS = ("release_id", "operating_system", "database", "product_build")
LIMITS = {
    "name": 120,
    "operating_system": 120,
    "database": 120,
    "product_build": 120,
    "notes": 2000,
}
REQUIRED = {
    "name": "Give the environment a name, such as Lab-2.",
    "operating_system": "Say which operating system it runs.",
    "product_build": "Say which build of the product it runs.",
}


@dataclass(frozen=True)
class EnvironmentInput:
    release_id: int | None
    name: str
    operating_system: str
    database: str
    product_build: str
    notes: str
    #: "I attest this environment runs the vanilla, unmodified release."
    attested: bool


def supported_releases() -> list[Release]:
    """The releases an environment may be registered on, by product then newest first."""
    return db.session.scalars(
        select(Release)
        .join(Product, Product.id == Release.product_id)
        .options(contains_eager(Release.product))
        .where(Release.supported.is_(True))
        .order_by(func.lower(Product.name), Release.released_on.desc(), Release.id.desc())
    ).all()


def register_environment(
    partner: Partner, data: EnvironmentInput, *, actor, now: datetime | None = None
) -> ReproductionEnvironment:
    """A new lab of `partner`, attested now by `actor`."""
    now = now or utcnow()
    values, release = _checked(partner, data, environment=None)
    environment = ReproductionEnvironment(
        partner_id=partner.id,
        product_id=release.product_id,
        attested_unmodified=True,
        attested_at=now,
        attested_by_id=actor.id,
        **values,
    )
    environment.release = release
    db.session.add(environment)
    db.session.flush()
    record_change(
        "environment.registered",
        environment,
        partner_id=partner.id,
        actor=actor,
        after=snapshot(environment, AUDITED),
        summary=f"{environment.name}: {release.label} registered and attested unmodified",
    )
    _refresh(partner, actor, now)
    return environment


def update_environment(
    environment: ReproductionEnvironment,
    data: EnvironmentInput,
    *,
    actor,
    now: datetime | None = None,
) -> ReproductionEnvironment:
    """Change what the lab runs or how it is described; saving attests it afresh.

    A vendor verification covered the setup it saw: changing the release, system,
    database or build clears it.
    """
    now = now or utcnow()
    _require_not_retired(environment)
    partner = environment.partner
    values, release = _checked(partner, data, environment=environment)
    before = snapshot(environment, AUDITED)
    setup_changed = any(getattr(environment, name) != values[name] for name in SETUP_FIELDS)
    for name, value in values.items():
        setattr(environment, name, value)
    environment.release = release
    environment.product_id = release.product_id
    environment.attested_at = now
    environment.attested_by_id = actor.id
    if setup_changed:
        environment.verified_at = None
        environment.verified_by_id = None
    db.session.flush()
    record_change(
        "environment.updated",
        environment,
        partner_id=partner.id,
        actor=actor,
        before=before,
        after=snapshot(environment, AUDITED),
        summary=f"{environment.name}: details saved and attested unmodified"
        + (" (the vendor's verification no longer applies)" if setup_changed else ""),
    )
    _refresh(partner, actor, now)
    return environment


def reattest_environment(
    environment: ReproductionEnvironment, *, actor, now: datetime | None = None
) -> ReproductionEnvironment:
    """The partner admin attests again that the lab runs its release unmodified."""
    now = now or utcnow()
    _require_not_retired(environment)
    _require_supported(environment)
    before = snapshot(environment, ("attested_at", "attested_by_id"))
    environment.attested_at = now
    environment.attested_by_id = actor.id
    record_change(
        "environment.reattested",
        environment,
        partner_id=environment.partner_id,
        actor=actor,
        before=before,
        after=snapshot(environment, ("attested_at", "attested_by_id")),
        summary=f"{environment.name}: attested again as running {environment.release.label}"
        " unmodified",
    )
    _refresh(environment.partner, actor, now)
    return environment


def verify_environment(
    environment: ReproductionEnvironment, *, actor, now: datetime | None = None
) -> ReproductionEnvironment:
    """Vendor staff checked the lab themselves: it counts as attested from now."""
    now = now or utcnow()
    _require_not_retired(environment)
    _require_supported(environment)
    before = snapshot(environment, ("verified_at", "verified_by_id"))
    environment.verified_at = now
    environment.verified_by_id = actor.id
    record_change(
        "environment.verified",
        environment,
        partner_id=environment.partner_id,
        actor=actor,
        before=before,
        after=snapshot(environment, ("verified_at", "verified_by_id")),
        summary=f"{environment.name}: verified by the vendor on {environment.release.label}",
    )
    _refresh(environment.partner, actor, now)
    return environment


def retire_environment(
    environment: ReproductionEnvironment, *, actor, now: datetime | None = None
) -> ReproductionEnvironment:
    """The lab is gone: it stays on record but no longer counts."""
    now = now or utcnow()
    _require_not_retired(environment)
    environment.retired_at = now
    record_change(
        "environment.retired",
        environment,
        partner_id=environment.partner_id,
        actor=actor,
        before={"retired_at": None},
        after={"retired_at": now},
        summary=f"{environment.name}: retired",
    )
    _refresh(environment.partner, actor, now)
    return environment


# --- Checks ------------------------------------------------------------------------------


def _checked(partner: Partner, data: EnvironmentInput, *, environment):
    """The cleaned values and the release, or a DomainError naming every bad field."""
    values = {
        "name": " ".join((data.name or "").split()),
        "operating_system": " ".join((data.operating_system or "").split()),
        "database": " ".join((data.database or "").split()),
        "product_build": " ".join((data.product_build or "").split()),
        "notes": (data.notes or "").strip().replace("\r\n", "\n"),
    }
    fields = {}
    for name, message in REQUIRED.items():
        if not values[name]:
            fields[name] = message
    for name, limit in LIMITS.items():
        if len(values[name]) > limit:
            fields[name] = f"At most {limit} characters."
    release = db.session.get(Release, data.release_id) if data.release_id else None
    if release is None:
        fields["release_id"] = "Choose the release the environment runs."
    elif not release.supported:
        fields["release_id"] = (
            f"{release.label} is no longer supported: choose a supported release."
        )
    if not data.attested:
        fields["attested"] = (
            "Attest that the environment runs the vanilla, unmodified release: only such an "
            "environment can reproduce an issue for an escalation."
        )
    if (
        values["name"]
        and "name" not in fields
        and _name_taken(partner, values["name"], environment)
    ):
        fields["name"] = f"{partner.name} already has an environment named {values['name']}."
    if fields:
        raise DomainError("validation_error", "Some fields are not valid.", fields=fields)
    values["release_id"] = release.id
    return values, release


def _name_taken(partner: Partner, name: str, environment) -> bool:
    stmt = select(ReproductionEnvironment.id).where(
        ReproductionEnvironment.partner_id == partner.id,
        func.lower(ReproductionEnvironment.name) == name.lower(),
        ReproductionEnvironment.retired_at.is_(None),
    )
    if environment is not None:
        stmt = stmt.where(ReproductionEnvironment.id != environment.id)
    return db.session.scalar(stmt.limit(1)) is not None


def _require_not_retired(environment: ReproductionEnvironment) -> None:
    if environment.retired_at is not None:
        raise DomainError(
            "environment_retired",
            f"{environment.name} is retired: register a new environment instead.",
            status=409,
        )


def _require_supported(environment: ReproductionEnvironment) -> None:
    if not environment.release.supported:
        raise DomainError(
            "release_not_supported",
            f"{environment.name} runs {environment.release.label}, which is no longer "
            "supported: edit it to run a supported release, or retire it.",
            status=409,
        )


def _refresh(partner: Partner, actor, now: datetime) -> None:
    refresh_partner(partner, actor=actor, today=now.date())
