"""The escalations package (blueprint registered by portal.create_app)."""

from escalations import quality as _quality
from escalations import sla_warnings as _sla_warnings

# The worker warns of SLA clocks nearly due or breached, and keeps the premier tier in step
# with escalation quality, which compliance asks for through its providers.
_sla_warnings.register()
_quality.register()
