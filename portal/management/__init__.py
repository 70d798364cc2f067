"""Partner-support management: escalation roll-ups and the figures read from them, the
dashboard's flags, check-ins and fee reports."""
