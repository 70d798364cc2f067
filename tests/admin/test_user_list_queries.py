"""N+1 guard of the vendor admin's user list, with users of many different partners.

Each partner's users name their own partner on the list: were the list to load each
user's partner one by one, 8 partners would take more queries than 2.
"""

import re

from portal.extensions import db
from tests.factories import make_partner, make_user, signed_in


def test_user_list_runs_the_same_queries_for_users_of_2_or_8_partners(app, world, count_queries):
    client = signed_in(app, world.user("vendor_admin"))

    def queries(expected_partners: int) -> int:
        with count_queries() as counter:
            response = client.get("/admin/users")
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert len(set(re.findall(r'href="/partners/(\d+)"', page))) == expected_partners
        return counter.count

    two = queries(2)
    for n in range(6):
        partner = make_partner(f"many-{n}", name=f"Many {n}")
        make_user("partner_admin", partner)
        make_user("technician", partner)
    db.session.commit()
    assert queries(8) == two
