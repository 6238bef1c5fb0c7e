"""Mailbox passwords sealed at rest: authenticated encryption under a key derived from the secret key.

An IMAP password has to be usable by the server (it logs in with it), so it cannot be hashed;
stored as typed, anyone with a database backup could read every connected mailbox. It is
sealed with Fernet (AES-128-CBC + HMAC-SHA256, `cryptography`) under a key derived from
`SWITCHBOARD_SECRET_KEY` by HKDF-SHA256 (RFC 5869) with a purpose label, so the database alone
reveals nothing and a tampered value is refused, not used. Values stored before sealing (no
prefix) are read as they are and sealed again when `serve` starts (`EmailChannel`).
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from switchboard.core.errors import DomainError

SEALED_PREFIX = "sealed:v1:"
_PURPOSE = b"switchboard imap mailbox password v1"
_KEY_BYTES = 32


class CredentialUnreadable(DomainError):
    """A sealed password that this secret key did not seal (the key changed) or that was altered."""

    code = "credential_unreadable"


def _fernet(secret_key: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=_KEY_BYTES, salt=None, info=_PURPOSE).derive(
        secret_key.encode("utf-8")
    )
    return Fernet(base64.urlsafe_b64encode(key))


def seal_password(password: str, *, secret_key: str) -> str:
    """The value to store for `password`."""
    return SEALED_PREFIX + _fernet(secret_key).encrypt(password.encode("utf-8")).decode("ascii")


def is_sealed(stored: str) -> bool:
    return stored.startswith(SEALED_PREFIX)


def unseal_password(stored: str, *, secret_key: str) -> str:
    """The password a stored value holds; a value from before sealing is returned as it is."""
    if not is_sealed(stored):
        return stored
    try:
        return _fernet(secret_key).decrypt(stored.removeprefix(SEALED_PREFIX).encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError) as error:
        raise CredentialUnreadable(
            "the stored mailbox password cannot be read with this secret key (was SWITCHBOARD_SECRET_KEY"
            " changed?); connect the mailbox again with its password"
        ) from error
