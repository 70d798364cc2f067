"""The models `portal/` owns. Importing this module registers them all with SQLAlchemy."""

from portal.models.agreements import Agreement, ProductMinimum, SlaTarget
from portal.models.audit import AuditEntry
from portal.models.case_volumes import CaseVolume
from portal.models.checkins import CheckIn, CheckInAction
from portal.models.fees import FeeReport
from portal.models.flag_thresholds import FlagThresholds
from portal.models.outbox import OutboxMessage
from portal.models.partners import Customer, Partner, PremierRequirement, TierDiscount
from portal.models.products import Product, Release
from portal.models.rollups import EscalationRollup, EscalationRollupCount
from portal.models.sessions import LoginSession
from portal.models.users import ApiToken, User

__all__ = [
    "Agreement",
    "ApiToken",
    "AuditEntry",
    "CaseVolume",
    "CheckIn",
    "CheckInAction",
    "Customer",
    "EscalationRollup",
    "EscalationRollupCount",
    "FeeReport",
    "FlagThresholds",
    "LoginSession",
    "OutboxMessage",
    "Partner",
    "PremierRequirement",
    "Product",
    "ProductMinimum",
    "Release",
    "SlaTarget",
    "TierDiscount",
    "User",
]
