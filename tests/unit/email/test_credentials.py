"""Mailbox passwords sealed at rest."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from switchboard.channels.email.credentials import (
    SEALED_PREFIX,
    CredentialUnreadable,
    is_sealed,
    seal_password,
    unseal_password,
)

KEY = "a-secret-key-of-forty-characters-000000"


@given(password=st.text())
def test_any_password_round_trips(password: str) -> None:
    sealed = seal_password(password, secret_key=KEY)
    assert is_sealed(sealed)
    assert unseal_password(sealed, secret_key=KEY) == password


def test_a_password_is_not_stored_as_typed_and_sealing_twice_differs() -> None:
    sealed = seal_password("correct horse battery staple", secret_key=KEY)
    assert "correct" not in sealed and "horse" not in sealed
    assert seal_password("hunter2", secret_key=KEY) != seal_password("hunter2", secret_key=KEY)


def test_another_key_or_a_tampered_value_is_refused_with_a_clear_error() -> None:
    sealed = seal_password("hunter2", secret_key=KEY)
    with pytest.raises(CredentialUnreadable, match="SWITCHBOARD_SECRET_KEY"):
        unseal_password(sealed, secret_key=KEY + "x")
    tampered = sealed[:-6] + ("A" if sealed[-6] != "A" else "B") + sealed[-5:]
    with pytest.raises(CredentialUnreadable):
        unseal_password(tampered, secret_key=KEY)
    with pytest.raises(CredentialUnreadable):
        unseal_password(SEALED_PREFIX + "not base64 at all \u00e9", secret_key=KEY)


def test_a_value_stored_before_sealing_is_read_as_it_is() -> None:
    assert not is_sealed("plain-old-password")
    assert unseal_password("plain-old-password", secret_key=KEY) == "plain-old-password"
