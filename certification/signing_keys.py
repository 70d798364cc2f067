"""The vendor's Ed25519 key that signs Open Badges credentials, and its public JWKS.

The key is a private JWK (JSON), read from configuration (portal/config.py):
`CREDENTIAL_SIGNING_KEY` holds the JWK itself, `CREDENTIAL_SIGNING_KEY_FILE` names a file
holding it. Without either, `CREDENTIAL_SIGNING_KEY_FALLBACK` decides:

- `"instance"` (development, the demo): a key made once in the instance folder
  (`signing-key.jwk`, mode 0600) and reused from then on;
- `"memory"` (tests): a throwaway key per process, never written anywhere;
- `""` (production): no key. The site still serves; credentials answer 503 and the
  JWKS is empty until a key is configured.

A key's id (`kid`) is its RFC 7638 thumbprint unless the JWK names one.
"""

import json
import os
import tempfile
from dataclasses import dataclass

from flask import current_app
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey

from portal.errors import DomainError

#: The JWS algorithm, as RFC 9864 names it (the older name `EdDSA` is deprecated).
ALGORITHM = "Ed25519"
INSTANCE_KEY_FILE = "signing-key.jwk"
_MEMORY_KEYS: dict[str, OKPKey] = {}


class SigningKeyUnavailable(DomainError):
    """No usable signing key is configured: credentials cannot be signed (503)."""

    status = 503

    def __init__(self, message: str):
        super().__init__("signing_key_unavailable", message)


@dataclass(frozen=True)
class SigningKey:
    key: OKPKey
    kid: str

    def public_jwk(self) -> dict:
        """The public half only: never `d`."""
        public = self.key.as_dict(private=False)
        public.pop("d", None)
        return {**public, "kid": self.kid, "use": "sig", "alg": ALGORITHM}


def new_private_jwk() -> dict:
    """A fresh Ed25519 private key as a JWK, with its thumbprint as `kid`."""
    key = OKPKey.generate_key("Ed25519", auto_kid=True)
    return {**key.as_dict(private=True), "use": "sig", "alg": ALGORITHM}


def write_private_jwk(path: str, jwk: dict) -> None:
    """Write `jwk` to `path` readable by its owner only (0600); never over an existing file.

    The key is written beside `path` first and then linked into place, so a reader never
    sees half a key and two writers cannot both win.

    :raises FileExistsError: `path` exists.
    """
    folder = os.path.dirname(os.path.abspath(path))
    descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=".signing-key-")
    try:
        os.fchmod(descriptor, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(jwk, handle, indent=2)
            handle.write("\n")
        os.link(temporary, path)
    finally:
        os.unlink(temporary)


def signing_key() -> SigningKey:
    """The configured key, loaded once per configuration.

    :raises SigningKeyUnavailable: none is configured, or the configured one is unusable.
    """
    config = current_app.config
    source = (
        config.get("CREDENTIAL_SIGNING_KEY"),
        config.get("CREDENTIAL_SIGNING_KEY_FILE"),
        config.get("CREDENTIAL_SIGNING_KEY_FALLBACK"),
    )
    cache = current_app.extensions.setdefault("credential_signing_keys", {})
    if source not in cache:
        cache[source] = _load(*source)
    return cache[source]


def published_keys() -> list[dict]:
    """The public JWKs that verify our credentials (none when no key is configured)."""
    try:
        return [signing_key().public_jwk()]
    except SigningKeyUnavailable:
        return []


def _load(inline: str | None, path: str | None, fallback: str | None) -> SigningKey:
    if inline:
        return _from_json(inline, "CREDENTIAL_SIGNING_KEY")
    if path:
        return _from_file(path, "CREDENTIAL_SIGNING_KEY_FILE")
    if fallback == "instance":
        return _instance_key()
    if fallback == "memory":
        return _from_dict(_MEMORY_KEYS.setdefault("key", OKPKey.import_key(new_private_jwk())))
    raise SigningKeyUnavailable(
        "Credentials cannot be signed: no signing key is configured "
        "(set CREDENTIAL_SIGNING_KEY_FILE; `make-signing-key` makes one)."
    )


def _instance_key() -> SigningKey:
    path = os.path.join(current_app.instance_path, INSTANCE_KEY_FILE)
    if not os.path.exists(path):
        try:
            write_private_jwk(path, new_private_jwk())
        except FileExistsError:
            pass  # another worker made it first: use theirs
        else:
            current_app.logger.info("Made a development signing key in %s", path)
    return _from_file(path, path)


def _from_file(path: str, where: str) -> SigningKey:
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as exc:
        current_app.logger.error("Signing key %s unreadable: %s", path, exc)
        raise SigningKeyUnavailable(
            "Credentials cannot be signed: the signing key file cannot be read."
        ) from None
    return _from_json(text, where)


def _from_json(text: str, where: str) -> SigningKey:
    try:
        return _from_dict(OKPKey.import_key(json.loads(text)))
    except (ValueError, TypeError, KeyError, JoseError) as exc:
        current_app.logger.error("Signing key from %s unusable: %s", where, exc)
        raise SigningKeyUnavailable(
            "Credentials cannot be signed: the configured signing key is not usable."
        ) from None


def _from_dict(key: OKPKey) -> SigningKey:
    if key.as_dict(private=False).get("crv") != "Ed25519" or not key.is_private:
        raise ValueError("not a private Ed25519 key")
    return SigningKey(key=key, kid=key.kid or key.thumbprint())
