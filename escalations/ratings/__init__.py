"""The end-customer's rating of a resolved escalation, through a signed single-use link.

Resolving an escalation asks its customer for a rating (`services.request_rating`): mailed
through the outbox when the partner's agreement lets the vendor contact its customers,
handed to the partner to pass on otherwise. The customer rates without an account
(`views`); ratings roll up per partner (`summary.ratings_summary`).
"""
