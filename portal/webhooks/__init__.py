"""Webhooks: a partner's own systems hear about its escalations, signed (Standard Webhooks).

A partner admin registers HTTPS endpoints (`services`); every escalation event adds one
delivery per matching endpoint of that escalation's partner in the change's own
transaction (`events`), and the worker sends what is due (`delivery`), refusing any
address that is not public (`addresses`).
"""
