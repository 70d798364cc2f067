"""The loaders the training pages fetch attendees and technicians through: a partner's
users reach only their own partner's (404 otherwise), vendor roles everyone's. (The
services check the same again; these tests hold the loaders to it on their own.)"""

import pytest
from werkzeug.exceptions import NotFound

from certification.models import TrainingAttendee
from certification.training_scope import load_attendee, load_user
from portal.extensions import db
from tests.certification.training_support import in_days, make_session

# who -> whose technician and attendee they may load
REACH = {
    "vendor_admin": {"acme", "globex"},
    "support_manager": {"acme", "globex"},
    "acme_admin": {"acme"},
    "acme_tech": {"acme"},
    "globex_admin": {"globex"},
    "globex_tech": {"globex"},
}


@pytest.fixture
def attendees(world):
    session = make_session(
        world.product.releases[0], world.user("vendor_admin"), starts_at=in_days(5)
    )
    made = {}
    for partner in ("acme", "globex"):
        tech = world.user(f"{partner}_tech")
        made[partner] = TrainingAttendee(
            session_id=session.id, user_id=tech.id, partner_id=tech.partner_id
        )
        db.session.add(made[partner])
    db.session.commit()
    return session, made


@pytest.mark.parametrize("who", list(REACH))
@pytest.mark.parametrize("whose", ["acme", "globex"])
def test_attendees_and_technicians_load_only_within_reach(world, attendees, who, whose):
    session, made = attendees
    principal = world.user(who)
    technician = world.user(f"{whose}_tech")
    if whose in REACH[who]:
        assert load_attendee(session, made[whose].id, principal) is made[whose]
        assert load_user(technician.id, principal) is technician
    else:
        with pytest.raises(NotFound):
            load_attendee(session, made[whose].id, principal)
        with pytest.raises(NotFound):
            load_user(technician.id, principal)


def test_an_attendee_loads_only_through_its_own_session(world, attendees):
    _, made = attendees
    other = make_session(
        world.product.releases[0], world.user("vendor_admin"), starts_at=in_days(6)
    )
    with pytest.raises(NotFound):
        load_attendee(other, made["acme"].id, world.user("vendor_admin"))
