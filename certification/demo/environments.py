"""Demo: reproduction environments, dated from the day the demo is loaded.

- acme: "Acme Server Lab" on Orbit Server 4.2.0 (attested 20 days ago, verified by the
  vendor's engineer 12 days ago), "Acme Mobile Lab" on Orbit Mobile 2.1.0 (registered 98
  days ago, last attested 35 days ago), and "Acme Old Lab" on Orbit Server 4.1.0
  (registered 360 days ago), last attested 200 days ago: stale, so the list shows what
  that looks like and the partner admin is asked to re-attest it;
- globex: "Globex Lab" on Orbit Server 4.1.0 (registered 345 days ago, last attested 60
  days ago).

Registered long before their last attestation, the labs carry the escalation history
of the last year (`escalations.demo.history`) on the days it was submitted.

The rows are written as they stood on their dates (audited as registered then); each
partner's compliance is then refreshed once, as of today, so its stored verdicts and
tier follow from the certifications seeded before.
"""

from datetime import timedelta

from certification.compliance import refresh_partner
from certification.environments import AUDITED
from certification.models import ReproductionEnvironment
from portal.audit import record_change, snapshot
from portal.extensions import db
from portal.models.base import utcnow
from portal.models.products import find_release

LABS = (
    # partner, product, version, name, OS, database, build, registered and attested days
    # ago, verified days ago
    (
        "acme",
        "orbit-server",
        "4.2.0",
        "Acme Server Lab",
        "Ubuntu 24.04 LTS",
        "PostgreSQL 16",
        "4.2.0+build.311",
        20,
        20,
        12,
    ),
    (
        "acme",
        "orbit-mobile",
        "2.1.0",
        "Acme Mobile Lab",
        "Android 15 emulator on Debian 12",
        "",
        "2.1.0 (2107)",
        98,
        35,
        None,
    ),
    (
        "acme",
        "orbit-server",
        "4.1.0",
        "Acme Old Lab",
        "Debian 12",
        "PostgreSQL 15",
        "4.1.0+build.204",
        360,
        200,
        None,
    ),
    (
        "globex",
        "orbit-server",
        "4.1.0",
        "Globex Lab",
        "Red Hat Enterprise Linux 9",
        "PostgreSQL 15",
        "4.1.0+build.204",
        345,
        60,
        None,
    ),
)


def seed(world: dict) -> None:
    now = utcnow()
    users = world["users"]
    engineer = users["engineer@vendor.example"]
    for slug, product_slug, version, name, system, database, build, *ago in LABS:
        registered, attested, verified = ago
        partner = world["partners"][slug]
        release = find_release(world["products"][product_slug], version)
        admin = users[f"admin@{slug}.example"]
        lab = ReproductionEnvironment(
            partner_id=partner.id,
            product_id=release.product_id,
            release_id=release.id,
            name=name,
            operating_system=system,
            database=database,
            product_build=build,
            notes="Reset to a clean snapshot before each reproduction.",
            attested_unmodified=True,
            attested_at=now - timedelta(days=attested),
            attested_by_id=admin.id,
            created_at=now - timedelta(days=registered),
        )
        if verified is not None:
            lab.verified_at = now - timedelta(days=verified)
            lab.verified_by_id = engineer.id
        db.session.add(lab)
        db.session.flush()
        record_change(
            "environment.registered",
            lab,
            partner_id=partner.id,
            actor=admin,
            after=snapshot(lab, AUDITED),
            summary=f"{name}: {release.product.name} {version} registered and attested unmodified",
        )
    for partner in world["partners"].values():
        refresh_partner(partner, today=now.date())
