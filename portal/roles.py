"""Role names and the groups they fall into."""

VENDOR_ADMIN = "vendor_admin"
SUPPORT_MANAGER = "support_manager"
VENDOR_ENGINEER = "vendor_engineer"
PARTNER_ADMIN = "partner_admin"
TECHNICIAN = "technician"

VENDOR_ROLES = (VENDOR_ADMIN, SUPPORT_MANAGER, VENDOR_ENGINEER)
PARTNER_ROLES = (PARTNER_ADMIN, TECHNICIAN)
ALL_ROLES = VENDOR_ROLES + PARTNER_ROLES

ROLE_LABELS = {
    VENDOR_ADMIN: "Vendor admin",
    SUPPORT_MANAGER: "Partner-support manager",
    VENDOR_ENGINEER: "Vendor engineer",
    PARTNER_ADMIN: "Partner admin",
    TECHNICIAN: "Technician",
}
