"""What deleting an endpoint and rotating its secret say before they happen."""

from portal.confirm import Confirmation, confirmation_builder


@confirmation_builder("webhook_endpoint.delete")
def delete_endpoint(endpoint) -> Confirmation:
    return Confirmation(
        question=f"Delete the webhook endpoint {endpoint.url}?",
        consequence=(
            "It receives no more events and its delivery log is deleted. Events not yet "
            "delivered to it are dropped. The audit log keeps a record."
        ),
        action="Delete endpoint",
    )


@confirmation_builder("webhook_endpoint.rotate_secret")
def rotate_secret(endpoint) -> Confirmation:
    return Confirmation(
        question=f"Make a new signing secret for {endpoint.url}?",
        consequence=(
            "Deliveries are signed with the new secret from now on, and your receiver will "
            "reject them until it has the new secret. It is shown once, on the next page."
        ),
        action="Make a new secret",
    )
