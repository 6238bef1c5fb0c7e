"""Note tokens: the Reply-To of an emailed internal note, never confused with a reply token."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from switchboard.channels.email.tokens import (
    make_note_token,
    make_reply_token,
    note_ticket_from_addresses,
    read_note_token,
    read_reply_token,
    reply_address,
    split_plus_address,
    ticket_from_addresses,
)

SECRET = "unit-test-secret-for-email-tokens-000000"
OURS = frozenset({"support@example.test"})
TICKET_IDS = st.integers(min_value=1, max_value=2**63 - 1)


def test_a_note_token_names_its_ticket_and_looks_like_one() -> None:
    token = make_note_token(SECRET, 0x1A2B)
    assert token.startswith("note.") and token.count(".") == 2
    assert token == token.lower()
    assert read_note_token(SECRET, token) == 0x1A2B
    assert read_note_token(SECRET, f"  {token.upper()} ") == 0x1A2B  # mail systems may change case


def test_the_address_carries_the_token_in_the_plus_part() -> None:
    token = make_note_token(SECRET, 42)
    address = reply_address("Support@Example.test", token)
    assert address == f"support+{token}@example.test"
    assert split_plus_address(address) == ("support@example.test", token)


@settings(max_examples=300)
@given(TICKET_IDS)
def test_note_and_reply_tokens_are_never_read_as_each_other(ticket_id: int) -> None:
    note, reply = make_note_token(SECRET, ticket_id), make_reply_token(SECRET, ticket_id)
    assert read_note_token(SECRET, note) == ticket_id
    assert read_reply_token(SECRET, reply) == ticket_id
    assert read_reply_token(SECRET, note) is None
    assert read_note_token(SECRET, reply) is None
    # Nor can one be made from the other by changing the spelling: the signatures differ.
    assert read_note_token(SECRET, f"note.{reply}") is None
    assert read_reply_token(SECRET, note.removeprefix("note.")) is None


@settings(max_examples=200)
@given(TICKET_IDS, st.integers(min_value=0, max_value=7), st.sampled_from("abcdefghijklmnopqrstuvwxyz234567"))
def test_an_altered_signature_is_refused(ticket_id: int, position: int, replacement: str) -> None:
    token = make_note_token(SECRET, ticket_id)
    prefix, signature = token.rsplit(".", 1)
    altered = signature[:position] + replacement + signature[position + 1 :]
    expected = ticket_id if altered == signature else None
    assert read_note_token(SECRET, f"{prefix}.{altered}") == expected


def test_another_ticket_number_or_another_secret_is_refused() -> None:
    token = make_note_token(SECRET, 1234)
    signature = token.rsplit(".", 1)[1]
    other_ticket = make_note_token(SECRET, 1235).rsplit(".", 1)[0]
    assert read_note_token(SECRET, f"{other_ticket}.{signature}") is None
    assert read_note_token("another-secret-of-another-installation0", token) is None


def test_malformed_tokens_are_refused() -> None:
    for token in ("", "note.", "note..abcdefgh", "note.0.abcdefgh", "note.1a2b", "note.1a2b.abc", "n1a2b.abcdefgh"):
        assert read_note_token(SECRET, token) is None


def test_only_a_note_token_on_one_of_our_own_addresses_names_a_ticket() -> None:
    token = make_note_token(SECRET, 7)
    assert note_ticket_from_addresses(SECRET, [f"support+{token}@example.test"], OURS) == 7
    assert note_ticket_from_addresses(SECRET, ["bob@vendor.test", f"SUPPORT+{token}@EXAMPLE.TEST"], OURS) == 7
    assert note_ticket_from_addresses(SECRET, [f"sales+{token}@example.test"], OURS) is None
    assert note_ticket_from_addresses(SECRET, [f"support+{token}@elsewhere.test"], OURS) is None
    reply = make_reply_token(SECRET, 7)
    assert note_ticket_from_addresses(SECRET, [f"support+{reply}@example.test"], OURS) is None
    assert ticket_from_addresses(SECRET, [f"support+{token}@example.test"], OURS) is None
    assert ticket_from_addresses(SECRET, [f"support+{reply}@example.test"], OURS) == 7
