"""One rate limit, per client address, on every public look-up of a certificate by its code.

Codes are unguessable, so the limit is not what keeps them secret: it keeps anyone from
using the verification page and API as a free bulk service (the figure is
CERTIFICATE_LOOKUP_RATE_LIMIT). The page and the API share one budget.
"""

from flask import current_app

from portal.extensions import limiter


def lookup_limit() -> str:
    return current_app.config["CERTIFICATE_LOOKUP_RATE_LIMIT"]


limit_lookups = limiter.shared_limit(lookup_limit, scope="certificate-lookup")
