"""Demo: training sessions, through the same services as the pages.

One past session per supported major release of each demo product (Orbit Server 4.0.0,
Orbit Mobile 2.0.0), two weeks after the release, with the product's readable training
material and release notes as materials and `tech@acme.example` and `tech@globex.example`
marked as having attended; and one session for the newest Orbit Server release, three
weeks from the day the demo is loaded, open for sign-up. The sessions are left in
`world["training_sessions"]`, keyed "<product slug> <version>", for the quizzes' demo.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from certification.training import SessionInput, create_session
from certification.training_attendance import enrol, mark_attendance
from certification.training_materials import MATERIAL_KINDS, add_material, material_problem
from knowledge_base.models import Article
from portal.extensions import db
from portal.models.base import utcnow
from portal.models.products import find_release

ATTENDED = ("tech@acme.example", "tech@globex.example")


@dataclass(frozen=True)
class DemoSession:
    product: str
    version: str
    title: str
    timezone: str
    start: time
    hours: int
    location: str
    video_url: str
    description: str
    #: Past sessions are dated from their release; an upcoming one from the demo's day.
    upcoming: bool = False


SESSIONS = (
    DemoSession(
        "orbit-server",
        "4.0.0",
        "Orbit Server 4.0: administration and first-line troubleshooting",
        "Europe/Berlin",
        time(9, 0),
        7,
        "Vendor Academy, room Tycho, Friedrichstraße 12, Berlin",
        "https://meet.vendor.example/orbit-server-4-0",
        "What changed in the 4.0 line and how partners troubleshoot it before escalating:\n"
        "installation and upgrades, the search index, LDAP and single sign-on, reading the "
        "server log and collecting a support bundle.\n\n"
        "Bring a laptop with an SSH client. The certification quiz opens after the session.",
    ),
    DemoSession(
        "orbit-mobile",
        "2.0.0",
        "Orbit Mobile 2.0 for support technicians",
        "America/New_York",
        time(11, 0),
        3,
        "",
        "https://meet.vendor.example/orbit-mobile-2-0",
        "Enrolment with mobile device management, push notifications, offline sync and "
        "what to collect from a device before escalating.\n\n"
        "Online only. The certification quiz opens after the session.",
    ),
    DemoSession(
        "orbit-server",
        "4.2.0",
        "Orbit Server 4.2: what is new for support",
        "Europe/Berlin",
        time(14, 0),
        3,
        "Vendor Academy, room Kepler, Friedrichstraße 12, Berlin",
        "https://meet.vendor.example/orbit-server-4-2",
        "The 4.2 release for partners who already support 4.0 and 4.1: the new export "
        "worker, connection pooling and the upgrade path without downtime.\n\n"
        "Come in person or join by video.",
        upcoming=True,
    ),
)


def _start_day(demo: DemoSession, released_on: date, today: date) -> date:
    """A weekday: two weeks after the release, or (upcoming) three weeks from today."""
    day = today + timedelta(weeks=3) if demo.upcoming else released_on + timedelta(weeks=2)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _materials(product, session) -> list[Article]:
    """The product's articles every attendee may read, of the kinds handed out."""
    articles = db.session.scalars(
        select(Article)
        .where(Article.product_id == product.id, Article.kind.in_(MATERIAL_KINDS))
        .order_by(Article.kind.desc(), Article.title)
    ).all()
    return [article for article in articles if material_problem(article, session) is None]


def seed(world: dict) -> None:
    users = world["users"]
    admin = users["admin@vendor.example"]
    now = utcnow()
    sessions = {}
    for demo in SESSIONS:
        product = world["products"][demo.product]
        release = find_release(product, demo.version)
        day = _start_day(demo, release.released_on, now.date())
        starts = datetime.combine(day, demo.start)
        session = create_session(
            SessionInput(
                release_id=release.id,
                title=demo.title,
                starts_local=starts,
                ends_local=starts + timedelta(hours=demo.hours),
                timezone=demo.timezone,
                trainer="Ingrid Novak, vendor training team",
                location=demo.location,
                video_url=demo.video_url,
                description=demo.description,
            ),
            actor=admin,
        )
        for article in _materials(product, session):
            add_material(session, article.id, actor=admin)
        if not demo.upcoming:
            for email in ATTENDED:
                attendee = enrol(session, users[email], actor=admin, now=now)
                mark_attendance(attendee, True, actor=admin, now=now)
        sessions[f"{demo.product} {demo.version}"] = session
    db.session.flush()
    world["training_sessions"] = sessions
