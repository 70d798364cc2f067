"""Demo: certifications, issued through the same service as a passed quiz, dated from the
day the demo is loaded.

- `tech@acme.example`: Orbit Server from the newest supported release out 45 days ago
  (renewing an older 4.x certification, so its history shows a renewal) and Orbit Mobile
  (acme's agreement requires one certified technician on each);
- `tech@globex.example`: Orbit Server, expiring 20 days from the demo's day;
- `veteran@globex.example` (added here): certified on Orbit Server 2.9.0 in July 2024,
  lapsed since 4.0.0 (the second major release after 2.9.0) had been out 90 days;
- the `newbie@` accounts: not certified.
"""

from datetime import date, timedelta

from certification.certifications import add_months, issue_certification
from portal.demo import DEMO_PASSWORD
from portal.models import Release
from portal.models.base import utcnow
from portal.models.products import find_release
from portal.users.services import UserInput, create_user

VETERAN = "veteran@globex.example"


def _newest_supported_by(product, day: date) -> Release:
    """The newest supported release out on `day` (the oldest supported one if none was)."""
    supported = sorted(
        (r for r in product.releases if r.supported), key=lambda r: (r.released_on, r.id)
    )
    out = [r for r in supported if r.released_on <= day]
    return (out or supported)[-1]


def _certify(user, product, day: date):
    return issue_certification(user, _newest_supported_by(product, day), today=day)


def seed(world: dict) -> None:
    today = utcnow().date()
    users = world["users"]
    server = world["products"]["orbit-server"]
    mobile = world["products"]["orbit-mobile"]
    globex = world["partners"]["globex"]

    acme_tech = users["tech@acme.example"]
    _certify(acme_tech, server, today - timedelta(days=400))
    _certify(acme_tech, server, today - timedelta(days=45))
    _certify(acme_tech, mobile, today - timedelta(days=100))

    # Twelve months (globex's validity) before the day 20 days from now.
    _certify(users["tech@globex.example"], server, add_months(today + timedelta(days=20), -12))

    veteran = create_user(
        UserInput(email=VETERAN, name="Globex Veteran", role="technician", partner_id=globex.id),
        password=DEMO_PASSWORD,
    )
    users[VETERAN] = veteran
    issue_certification(veteran, find_release(server, "2.9.0"), today=date(2024, 7, 1))
