"""Every route of the app, and its URL filled with objects of the partner `acme`.

Shared by the tests that walk the whole URL map (route access, CSRF). A new URL
parameter name needs a sample in SAMPLES below.
"""

import re

from portal.extensions import db
from portal.models import Agreement
from tests.factories import World

# Static files are served by Flask and Bootstrap-Flask, not by our views.
STATIC_ENDPOINTS = frozenset({"static", "bootstrap.static"})


def app_routes(app) -> list[tuple[str, str, str]]:
    """(method, rule, endpoint) of every route, HEAD and OPTIONS left out."""
    return sorted(
        (method, rule.rule, rule.endpoint)
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in STATIC_ENDPOINTS
        for method in rule.methods - {"HEAD", "OPTIONS"}
    )


def _token_id(world: World, visitor) -> int:
    """A token of the visitor's own (tokens belong to one user, not to a partner)."""
    from portal.auth.services import create_token

    owner = visitor if visitor is not None else world.user("acme_admin")
    token, _ = create_token(owner, "route test")
    db.session.commit()
    return token.id


def _password_token(world: World, visitor) -> str:
    from portal.auth.services import password_link_token

    return password_link_token(world.user("acme_tech"))


def _article_slug(world: World, visitor) -> str:
    from tests.knowledge_base.factories import make_article

    return make_article(world.user("vendor_engineer"), title="Route sample").slug


def _agreement_id(world: World, visitor) -> int:
    return db.session.scalar(db.select(Agreement.id).where(Agreement.partner_id == world.acme.id))


def _certification_code(world: World, visitor) -> str:
    """A certification of acme's technician (issued through the real service)."""
    from datetime import date

    from certification.certifications import issue_certification

    release = world.product.releases[0]
    certification = issue_certification(world.user("acme_tech"), release, today=date.today())
    db.session.commit()
    return certification.code


def _training_session(world: World):
    """One upcoming session for the world's product, acme's technician signed up (made once)."""
    from datetime import timedelta

    from certification.models import TrainingAttendee, TrainingSession
    from portal.models.base import utcnow

    session = db.session.scalar(db.select(TrainingSession).where(TrainingSession.title == "Sample"))
    if session is None:
        starts = utcnow() + timedelta(days=7)
        session = TrainingSession(
            release_id=world.product.releases[0].id,
            title="Sample",
            starts_at=starts,
            ends_at=starts + timedelta(hours=3),
            trainer="Sample Trainer",
            location="Room 1",
        )
        db.session.add(session)
        db.session.flush()
        technician = world.user("acme_tech")
        db.session.add(
            TrainingAttendee(session_id=session.id, user_id=technician.id, partner_id=world.acme.id)
        )
        db.session.commit()
    return session


def _attendee_id(world: World, visitor) -> int:
    """acme's technician's place in the sample training session."""
    from certification.models import TrainingAttendee

    session = _training_session(world)
    return db.session.scalar(
        db.select(TrainingAttendee.id).where(TrainingAttendee.session_id == session.id)
    )


def _environment_id(world: World, visitor) -> int:
    """acme's reproduction environment on the world's product (made once)."""
    from certification.models import ReproductionEnvironment
    from portal.models.base import utcnow

    environment_id = db.session.scalar(
        db.select(ReproductionEnvironment.id).where(
            ReproductionEnvironment.partner_id == world.acme.id
        )
    )
    if environment_id is None:
        release = world.product.releases[0]
        environment = ReproductionEnvironment(
            partner_id=world.acme.id,
            product_id=world.product.id,
            release_id=release.id,
            name="Sample lab",
            operating_system="Debian 12",
            product_build=release.version,
            attested_at=utcnow(),
        )
        db.session.add(environment)
        db.session.commit()
        environment_id = environment.id
    return environment_id


def _quiz(world: World):
    """A quiz of the sample session, open, its bank of four questions (made once)."""
    from certification import quizzes
    from certification.models import Quiz
    from certification.quizzes import ChoiceInput, QuestionInput, QuizSettings

    quiz = db.session.scalar(db.select(Quiz).where(Quiz.title == "Sample quiz"))
    if quiz is None:
        admin = world.user("vendor_admin")
        settings = QuizSettings(title="Sample quiz", questions_per_attempt=2, cooldown_minutes=0)
        quiz = quizzes.create_quiz(_training_session(world), settings, actor=admin)
        for n in range(4):
            choices = (ChoiceInput("Right", True), ChoiceInput("Wrong", False))
            question = QuestionInput(kind="single", text=f"Sample question {n}", choices=choices)
            quizzes.add_question(quiz, question, actor=admin)
        db.session.commit()
    return quiz


def _question_id(world: World, visitor) -> int:
    return _quiz(world).questions[0].id


def _attempt_id(world: World, visitor) -> int:
    """acme's technician's open attempt of the sample quiz (made once)."""
    from certification.attempts import start_attempt
    from portal.models.base import utcnow

    attempt, _ = start_attempt(_quiz(world), world.user("acme_tech"), utcnow())
    db.session.commit()
    return attempt.id


def _escalation(world: World):
    """A submitted escalation of acme with one attachment (made once, without the gate)."""
    from escalations.models import Attachment, Escalation
    from escalations.storage import storage
    from portal.models.base import utcnow

    escalation = db.session.scalar(db.select(Escalation).where(Escalation.title == "Sample"))
    if escalation is None:
        technician = world.user("acme_tech")
        escalation = Escalation(
            partner_id=world.acme.id,
            customer_id=world.acme_customer.id,
            product_id=world.product.id,
            release_id=world.product.releases[0].id,
            environment_id=_environment_id(world, None),
            submitter_id=technician.id,
            drafted_by_id=technician.id,
            title="Sample",
            severity="S3",
            status="submitted",
            submitted_at=utcnow(),
        )
        db.session.add(escalation)
        db.session.flush()
        attachment = Attachment(
            escalation_id=escalation.id,
            uploaded_by_id=technician.id,
            file_name="sample.log",
            content_type="text/plain",
            size=4,
            sha256="0" * 64,
        )
        db.session.add(attachment)
        storage().put(attachment, b"log\n")
        db.session.commit()
    return escalation


def _attachment_id(world: World, visitor) -> int:
    from escalations.models import Attachment

    escalation = _escalation(world)
    return db.session.scalar(
        db.select(Attachment.id).where(Attachment.escalation_id == escalation.id)
    )


def _draft_id(world: World, visitor) -> int:
    """A draft escalation of acme, by its technician (made once)."""
    from escalations.models import Escalation

    draft = db.session.scalar(db.select(Escalation).where(Escalation.title == "Sample draft"))
    if draft is None:
        technician = world.user("acme_tech")
        draft = Escalation(
            partner_id=world.acme.id, drafted_by_id=technician.id, title="Sample draft"
        )
        db.session.add(draft)
        db.session.commit()
    return draft.id


def _check_in_action_id(world: World, visitor) -> int:
    """An open action agreed at a check-in with acme (made once)."""
    from datetime import date

    from portal.management.checkins import ActionInput, CheckInInput, record_check_in
    from portal.models.checkins import CheckInAction

    action_id = db.session.scalar(
        db.select(CheckInAction.id).where(CheckInAction.partner_id == world.acme.id)
    )
    if action_id is None:
        today = date.today()
        action = ActionInput("Sample action", "partner", "Acme Admin", today)
        data = CheckInInput(today, "video", "Manager", "Acme Admin", actions=[action])
        record_check_in(world.acme, data, actor=world.user("support_manager"))
        db.session.commit()
        action_id = db.session.scalar(
            db.select(CheckInAction.id).where(CheckInAction.partner_id == world.acme.id)
        )
    return action_id


def _fee_report_id(world: World, visitor) -> int:
    """acme's draft fee report of the current quarter (made once, through the service)."""
    from portal.management.fee_reports import declare_fees
    from portal.management.fees import period_containing
    from portal.models.base import utcnow
    from portal.models.fees import FeeReport

    report_id = db.session.scalar(
        db.select(FeeReport.id).where(FeeReport.partner_id == world.acme.id)
    )
    if report_id is None:
        today = utcnow().date()
        start = period_containing(today, "quarter").start
        admin = world.user("acme_admin")
        report_id = declare_fees(world.acme, start, "1000", actor=admin, today=today).id
        db.session.commit()
    return report_id


def _rating_token(world: World, visitor) -> str:
    """The rating link's token of the sample escalation (its request made once)."""
    from datetime import timedelta

    from escalations.ratings.models import RatingRequest
    from escalations.ratings.services import token_for
    from portal.models.base import utcnow

    escalation = _escalation(world)
    request = db.session.scalar(
        db.select(RatingRequest).where(RatingRequest.escalation_id == escalation.id)
    )
    if request is None:
        now = utcnow()
        request = RatingRequest(
            escalation_id=escalation.id,
            partner_id=escalation.partner_id,
            nonce="route-sample",
            delivery="partner",
            issued_at=now,
            expires_at=now + timedelta(days=30),
        )
        db.session.add(request)
        db.session.commit()
    return token_for(request)


def _webhook_endpoint_id(world: World, visitor) -> int:
    """acme's webhook endpoint (made once, through the service)."""
    from portal.webhooks.models import WebhookEndpoint
    from portal.webhooks.services import EndpointInput, create_endpoint

    endpoint_id = db.session.scalar(
        db.select(WebhookEndpoint.id).where(WebhookEndpoint.partner_id == world.acme.id)
    )
    if endpoint_id is None:
        data = EndpointInput("https://93.184.216.34/hooks", "Route sample", ["escalation.created"])
        endpoint, _ = create_endpoint(world.acme, data, actor=world.user("acme_admin"))
        db.session.commit()
        endpoint_id = endpoint.id
    return endpoint_id


def _webhook_delivery_id(world: World, visitor) -> int:
    """A delivery to acme's endpoint, attempted once (so it can be sent again)."""
    from portal.webhooks.models import WebhookDelivery

    endpoint_id = _webhook_endpoint_id(world, visitor)
    delivery_id = db.session.scalar(
        db.select(WebhookDelivery.id).where(WebhookDelivery.endpoint_id == endpoint_id)
    )
    if delivery_id is None:
        delivery = WebhookDelivery(
            endpoint_id=endpoint_id,
            message_id="msg_route_sample",
            event_type="escalation.created",
            payload="{}",
            attempts=1,
            last_error="Route sample",
        )
        db.session.add(delivery)
        db.session.commit()
        delivery_id = delivery.id
    return delivery_id


def _export_id(world: World, visitor) -> int:
    """acme's data export, built by the worker's check (made once)."""
    from portal.exports import services
    from portal.exports.models import DataExport
    from portal.models.base import utcnow

    export_id = db.session.scalar(
        db.select(DataExport.id).where(DataExport.partner_id == world.acme.id)
    )
    if export_id is None:
        export_id = services.request_export(world.user("acme_admin")).id
        db.session.commit()
        services.build_next_export(utcnow())
    return export_id


# parameter name -> its sample value, given the world and the visiting user (or None)
SAMPLES = {
    "partner_id": lambda w, v: w.acme.id,
    "customer_id": lambda w, v: w.acme_customer.id,
    "user_id": lambda w, v: w.user("acme_tech").id,
    "agreement_id": _agreement_id,
    "product_id": lambda w, v: w.product.id,
    "release_id": lambda w, v: w.product.releases[0].id,
    "token_id": _token_id,
    "token": _password_token,
    # A published public article (KB visibility has its own truth tables).
    "slug": _article_slug,
    "number": lambda w, v: 1,  # an article's first revision
    "code": _certification_code,
    "session_id": lambda w, v: _training_session(w).id,
    "attendee_id": _attendee_id,
    "environment_id": _environment_id,
    "quiz_id": lambda w, v: _quiz(w).id,
    "question_id": _question_id,
    "attempt_id": _attempt_id,
    "escalation_id": lambda w, v: _escalation(w).id,
    "attachment_id": _attachment_id,
    "draft_id": _draft_id,
    "report_id": _fee_report_id,
    "action_id": _check_in_action_id,
    "rating_token": _rating_token,
    "endpoint_id": _webhook_endpoint_id,
    "delivery_id": _webhook_delivery_id,
    "export_id": _export_id,
}
#: The partner review's parameters (its <slug> is a partner's, not an article's).
PARTNER_PAGE_SAMPLES = {"slug": lambda w: w.acme.slug, "table": lambda w: "reasons"}
_PARAMETER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def sample_url(rule: str, world: World, visitor) -> str:
    """`rule` with its parameters filled; `visitor` is the user about to visit, or None."""

    def fill(match):
        name = match.group(1)
        if name in PARTNER_PAGE_SAMPLES and rule.startswith("/management/partners/"):
            return PARTNER_PAGE_SAMPLES[name](world)
        assert name in SAMPLES, f"add a sample value for URL parameter <{name}> to SAMPLES"
        return str(SAMPLES[name](world, visitor))

    return _PARAMETER.sub(fill, rule)
