"""Endpoint signing secrets: Standard Webhooks' `whsec_` + base64, encrypted at rest.

The portal must read a secret back to sign each delivery (HMAC is symmetric), so it cannot
be kept as a hash the way API tokens are. It is kept encrypted (AES-GCM) with a key
derived from SECRET_KEY: a copy of the database alone (a backup, a dump) does not let
anyone forge deliveries to a partner's systems. The partner sees it once, when it is made.
"""

import base64
import hashlib
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app

PREFIX = "whsec_"
SECRET_BYTES = 32
_NONCE_BYTES = 12
_PURPOSE = b"portal.webhooks.endpoint-secret"


def new_secret() -> str:
    return PREFIX + base64.b64encode(os.urandom(SECRET_BYTES)).decode()


def _cipher() -> AESGCM:
    key = hashlib.sha256(_PURPOSE + b"\0" + current_app.config["SECRET_KEY"].encode()).digest()
    return AESGCM(key)


def seal(secret: str) -> bytes:
    nonce = os.urandom(_NONCE_BYTES)
    return nonce + _cipher().encrypt(nonce, secret.encode(), _PURPOSE)


def unseal(sealed: bytes) -> str:
    """The secret; cryptography's InvalidTag when SECRET_KEY changed since it was sealed."""
    sealed = bytes(sealed)
    return _cipher().decrypt(sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], _PURPOSE).decode()
