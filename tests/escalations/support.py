"""Escalation test objects: the world's two partners with certified technicians, current
labs and newcomers, a valid API body, and escalations put in any workflow state."""

from dataclasses import dataclass
from datetime import timedelta

from certification.certifications import issue_certification
from certification.environments import EnvironmentInput, register_environment
from certification.models import ReproductionEnvironment
from escalations import services
from escalations.gate import EscalationInput
from escalations.models import Escalation
from escalations.workflow import apply_transition
from portal.extensions import db
from portal.models import User
from portal.models.base import utcnow
from tests.factories import World, make_user
from tests.world_cache import cached, load_by_id

#: Tables a refused request must leave as they were.
WRITTEN_BY_ESCALATIONS = (
    "escalations",
    "escalation_events",
    "escalation_comments",
    "escalation_attachments",
    "escalation_attachment_blobs",
    "escalation_deflections",
    "idempotency_keys",
    "outbox_messages",
    "audit_entries",
)


@dataclass
class EscalationWorld:
    world: World
    environments: dict[str, ReproductionEnvironment]

    def user(self, key: str):
        return self.world.user(key)

    @property
    def release(self):
        return latest_release(self.world.product)


def latest_release(product):
    return sorted(product.releases, key=lambda r: r.released_on)[-1]


def build_escalation_world(world: World) -> EscalationWorld:
    """Both partners' technicians certified on the product's latest release, a current
    lab each, and an uncertified newcomer each (`acme_newbie`, `globex_newbie`)."""
    release = latest_release(world.product)
    today = utcnow().date()
    environments = {}
    for partner in (world.acme, world.globex):
        technician = world.user(f"{partner.slug}_tech")
        issue_certification(technician, release, today=today - timedelta(days=10))
        environments[partner.slug] = register_environment(
            partner,
            EnvironmentInput(
                release_id=release.id,
                name=f"{partner.slug} lab",
                operating_system="Debian 12",
                database="PostgreSQL 15",
                product_build=release.version,
                notes="",
                attested=True,
            ),
            actor=world.user(f"{partner.slug}_admin"),
        )
        world.users[f"{partner.slug}_newbie"] = make_user(
            "technician", partner, email=f"newbie@{partner.slug}.example"
        )
        world.users[f"{partner.slug}_colleague"] = make_user(
            "technician", partner, email=f"colleague@{partner.slug}.example"
        )
        issue_certification(
            world.users[f"{partner.slug}_colleague"], release, today=today - timedelta(days=5)
        )
    db.session.commit()
    return EscalationWorld(world, environments)


def escalation_world(request, world: World) -> EscalationWorld:
    """build_escalation_world(world), restored from tests/world_cache.py after its first
    build (the `esc` fixture)."""
    keys_before = set(world.users)

    def ids_of(esc: EscalationWorld) -> dict:
        return {
            "environments": {slug: env.id for slug, env in esc.environments.items()},
            "users": {k: u.id for k, u in world.users.items() if k not in keys_before},
        }

    def load(ids: dict) -> EscalationWorld:
        environments = load_by_id(ReproductionEnvironment, ids["environments"].values())
        users = load_by_id(User, ids["users"].values())
        world.users.update({key: users[user_id] for key, user_id in ids["users"].items()})
        return EscalationWorld(
            world, {slug: environments[env_id] for slug, env_id in ids["environments"].items()}
        )

    return cached(request, "esc", lambda: build_escalation_world(world), ids_of, load, base="world")


def api_body(esc: EscalationWorld, partner: str = "acme", **overrides) -> dict:
    """A body that passes every gate for `partner`'s certified technician."""
    world = esc.world
    body = {
        "product": world.product.slug,
        "release": esc.release.version,
        "customer_id": getattr(world, f"{partner}_customer").id,
        "title": "Export hangs on files over 2 GB",
        "severity": "S2",
        "business_impact": "",
        "reproduction": {
            "environment_id": esc.environments[partner].id,
            "steps": "1. Open a 3 GB file 2. Export",
            "expected": "The export finishes",
            "actual": "It hangs at 99%",
            "reproduced_on_vanilla": True,
            "customization_involved": False,
        },
        "kb_articles_reviewed": [],
    }
    reproduction = overrides.pop("reproduction", None)
    if reproduction:
        body["reproduction"] = {**body["reproduction"], **reproduction}
    body.update(overrides)
    return body


def service_input(esc: EscalationWorld, partner: str = "acme", **overrides) -> EscalationInput:
    body = api_body(esc, partner)
    reproduction = body.pop("reproduction")
    values = {
        "title": body["title"],
        "severity": body["severity"],
        "product": body["product"],
        "release": body["release"],
        "customer_id": body["customer_id"],
        "environment_id": reproduction["environment_id"],
        "steps": reproduction["steps"],
        "expected": reproduction["expected"],
        "actual": reproduction["actual"],
        "reproduced_on_vanilla": True,
        "customization_involved": False,
    }
    values.update(overrides)
    return EscalationInput(**values)


#: How to reach each state from `submitted`: (action, actor key, extra arguments).
PATHS = {
    "submitted": [],
    "accepted": [("accept", "vendor_engineer", {})],
    "waiting_on_partner": [("request_info", "vendor_engineer", {})],
    "rejected": [("reject", "vendor_engineer", {"reason": "duplicate"})],
    "resolved": [("accept", "vendor_engineer", {}), ("resolve", "vendor_engineer", {"note": "x"})],
    "closed": [
        ("accept", "vendor_engineer", {}),
        ("resolve", "vendor_engineer", {"note": "x"}),
        ("close", "vendor_engineer", {}),
    ],
    "withdrawn": [("withdraw", "acme_tech", {})],
}


def escalation_in(esc: EscalationWorld, state: str, partner: str = "acme", now=None):
    """A submitted escalation of `partner`, moved into `state`, committed."""
    now = now or utcnow()
    escalation = services.submit_escalation(
        esc.user(f"{partner}_tech"), service_input(esc, partner), now=now
    )
    for action, actor, extra in PATHS[state]:
        actor_key = actor.replace("acme", partner)
        apply_transition(escalation, esc.user(actor_key), action, now=now, **extra)
    db.session.commit()
    return escalation


def reload(escalation: Escalation) -> Escalation:
    db.session.expire_all()
    return db.session.get(Escalation, escalation.id)
