"""What demo customers ask and how agents answer, by topic.

Texts hold `{placeholders}` filled per ticket from `Placeholders`, so one topic yields many
different-looking conversations (order numbers, error codes, devices, plans).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from switchboard.channels.models import Channel
from switchboard.demo.catalogue import SUPPORT_SIGNATURE, TeamKey

_EMAIL, _CHAT, _WEB, _API = Channel.EMAIL, Channel.CHAT, Channel.WEB, Channel.API


@dataclass(frozen=True, slots=True)
class Topic:
    key: str
    team_key: str
    product_area: str
    weight: float
    channels: tuple[tuple[Channel, float], ...]
    intake_tags: tuple[str, ...]  # what triage rules tag on arrival
    resolution_tags: tuple[str, ...]  # what agents add when they close the loop
    subjects: tuple[str, ...]
    requests: tuple[str, ...]
    questions: tuple[str, ...]  # the agent needs more information: the ticket goes pending
    answers: tuple[str, ...]  # the customer's answer to the question
    solutions: tuple[str, ...]
    notes: tuple[str, ...]
    escalates_to: str | None = None
    escalation_rate: float = 0.0
    urgent_rate: float = 0.03
    asks_order_number: bool = False


_MOST_CHANNELS = ((_EMAIL, 50), (_CHAT, 30), (_WEB, 20))
_EMAIL_AND_FORM = ((_EMAIL, 65), (_WEB, 25), (_CHAT, 10))
_INTEGRATORS = ((_API, 45), (_EMAIL, 40), (_WEB, 15))

TOPICS: tuple[Topic, ...] = (
    Topic(
        key="password_reset",
        team_key=TeamKey.TIER_ONE,
        product_area="account",
        weight=14,
        channels=_MOST_CHANNELS,
        intake_tags=("login",),
        resolution_tags=("password_reset",),
        subjects=(
            "Can't log in after resetting my password",
            "Password reset email never arrives",
            "Locked out of my account",
        ),
        requests=(
            (
                "I reset my password this morning but the new one is rejected on {device}. "
                "I've tried three times and now it says my account is locked."
            ),
            (
                "I keep clicking 'Forgot password' but the reset email never shows up, not even in spam. "
                "My staff can't see today's bookings without me."
            ),
        ),
        questions=(
            (
                "Could you confirm which email address you use to sign in, and whether you sign in "
                "with Google or with a password?"
            ),
        ),
        answers=("It's the same address I'm writing from, and I use a password, not Google.",),
        solutions=(
            (
                "I've unlocked your account and sent a fresh reset link that is valid for an hour. "
                "Our emails come from no-reply@lumen.example, so it's worth adding that to your contacts."
            ),
            (
                "Your account was locked after several attempts; I've cleared the lock. You can sign in "
                "with your new password now."
            ),
        ),
        notes=("Lockout triggered by 5 failed attempts from two IPs; no sign of an attack.",),
    ),
    Topic(
        key="data_export",
        team_key=TeamKey.TIER_ONE,
        product_area="web_app",
        weight=8,
        channels=_MOST_CHANNELS,
        intake_tags=(),
        resolution_tags=("how_to", "data_export"),
        subjects=("How do I export all bookings to CSV?", "Export client list for our accountant"),
        requests=(
            (
                "Our accountant needs every booking from last quarter in a spreadsheet. "
                "Is there a way to export them without copying by hand?"
            ),
        ),
        questions=("Do you need the bookings for one location or for all of your locations?",),
        answers=("All three locations, please, if that's possible in one file.",),
        solutions=(
            (
                "Go to Reports → Bookings, pick the date range and 'All locations', then choose "
                "Export → CSV. The file arrives by email within a few minutes for large ranges."
            ),
        ),
        notes=("Customer is on the Starter plan; multi-location export works there too.",),
    ),
    Topic(
        key="mobile_notifications",
        team_key=TeamKey.TIER_ONE,
        product_area="mobile_app",
        weight=8,
        channels=_MOST_CHANNELS,
        intake_tags=("mobile",),
        resolution_tags=("bug",),
        subjects=("Push notifications stopped on {device}", "No booking alerts on the mobile app"),
        requests=(
            (
                "Since the last update I don't get any notification when a client books. "
                "I'm on {device} with the latest app version."
            ),
        ),
        questions=("Could you open Settings → About in the app and tell me the version number?",),
        answers=("It says version {app_version}.",),
        solutions=(
            (
                "This was caused by a bug in {app_version} that our developers fixed in today's "
                "release. Please update the app and sign in again; notifications will resume."
            ),
        ),
        notes=(
            "Known issue APP-2231, fix shipped in the next release.",
            "Reproduced on a test device; passing to Technical.",
        ),
        escalates_to=TeamKey.TECHNICAL,
        escalation_rate=0.35,
    ),
    Topic(
        key="feature_request",
        team_key=TeamKey.TIER_ONE,
        product_area="web_app",
        weight=5,
        channels=_EMAIL_AND_FORM,
        intake_tags=(),
        resolution_tags=("feature_request",),
        subjects=("Can you add recurring bookings?", "Feature idea: waiting lists", "Dark mode please"),
        requests=(
            ("We'd love to let clients book the same slot every week without re-booking. Is that on the roadmap?"),
        ),
        questions=("How many of your clients would use this weekly? It helps us prioritise.",),
        answers=("Probably half of our regulars, about 40 people.",),
        solutions=(
            (
                "Thank you, I've added your vote to this request and linked your account so you "
                "hear from us as soon as it ships."
            ),
        ),
        notes=("Logged on the product board, 17 votes now.",),
        urgent_rate=0.0,
    ),
    Topic(
        key="double_charge",
        team_key=TeamKey.BILLING,
        product_area="billing",
        weight=8,
        channels=((_EMAIL, 70), (_CHAT, 15), (_WEB, 15)),
        intake_tags=("billing",),
        resolution_tags=("double_charge", "refund"),
        subjects=("Charged twice for invoice {order_number}", "Duplicate payment this month"),
        requests=(
            (
                "Our card was charged twice for invoice {order_number}, both on the same day. "
                "Please refund the duplicate as soon as possible."
            ),
        ),
        questions=(
            ("Could you send the last four digits of the card and the two charge dates from your bank statement?"),
        ),
        answers=("Card ending 4821, both charges on the 3rd.",),
        solutions=(
            (
                "You're right, the payment was taken twice because of a retry on our side. I've "
                "refunded the duplicate; it will be back on your card in 5–10 working days."
            ),
        ),
        notes=("Stripe shows two successful charges 40 s apart; refund issued.",),
        asks_order_number=True,
        urgent_rate=0.06,
    ),
    Topic(
        key="refund",
        team_key=TeamKey.BILLING,
        product_area="billing",
        weight=6,
        channels=((_EMAIL, 75), (_WEB, 25)),
        intake_tags=("billing",),
        resolution_tags=("refund",),
        subjects=("Refund for unused seats", "Refund request for order {order_number}"),
        requests=(
            (
                "We removed {seats} seats last week but were billed for them on invoice "
                "{order_number}. Can we get a refund for the difference?"
            ),
        ),
        questions=("Could you confirm the date the seats were removed? I can see several changes.",),
        answers=("We removed them on the 12th, before the renewal.",),
        solutions=(
            (
                "I've credited the unused seats back to your account; the credit note is attached "
                "to your billing page and will be applied to the next invoice."
            ),
        ),
        notes=("Pro-rata credit approved under the refund policy.",),
        asks_order_number=True,
    ),
    Topic(
        key="vat_invoice",
        team_key=TeamKey.BILLING,
        product_area="billing",
        weight=5,
        channels=((_EMAIL, 90), (_WEB, 10)),
        intake_tags=("billing",),
        resolution_tags=("invoice",),
        subjects=("Invoice {order_number} is missing our VAT number", "Company address wrong on invoice"),
        requests=(
            (
                "Our finance team can't book invoice {order_number} because our VAT number is missing. "
                "Could you reissue it?"
            ),
        ),
        questions=("Could you send me the VAT number exactly as it should appear?",),
        answers=("It's {vat_number}.",),
        solutions=(
            (
                "I've added the VAT number to your billing profile and reissued invoice "
                "{order_number}; future invoices will include it too."
            ),
        ),
        notes=("Reissued via the billing console.",),
        asks_order_number=True,
        urgent_rate=0.0,
    ),
    Topic(
        key="plan_change",
        team_key=TeamKey.BILLING,
        product_area="billing",
        weight=5,
        channels=_EMAIL_AND_FORM,
        intake_tags=("billing",),
        resolution_tags=("plan_change", "churn_risk"),
        subjects=("Downgrade from {plan} to Starter", "Cancel our subscription at renewal"),
        requests=(
            (
                "Business is slow this season, so we'd like to move from {plan} to Starter from the "
                "next billing period. What do we lose?"
            ),
        ),
        questions=("Before I change it: do you still use the SMS reminders? They are not part of Starter.",),
        answers=("We do use them. Can we keep them as an add-on?",),
        solutions=(
            (
                "I've scheduled the move to Starter from your next renewal and kept SMS reminders as an "
                "add-on at the same price per message."
            ),
        ),
        notes=("Churn risk: offered a 3-month discount, declined.",),
    ),
    Topic(
        key="card_declined",
        team_key=TeamKey.BILLING,
        product_area="billing",
        weight=4,
        channels=((_EMAIL, 60), (_CHAT, 40)),
        intake_tags=("billing",),
        resolution_tags=("payment_failed",),
        subjects=("Payment failed: card declined", "Account suspended for non-payment?"),
        requests=(
            (
                "We got an email that our payment failed and the account will be suspended. "
                "The card is fine; nothing has changed on our side."
            ),
        ),
        questions=("Has your bank asked you to approve the payment in their app? Some banks need that now.",),
        answers=("Yes, there was a pending approval in the banking app. I've approved it.",),
        solutions=(
            ("Thanks, the payment went through and your account is in good standing. No suspension will happen."),
        ),
        notes=("3-D Secure challenge was not completed on the first attempt.",),
        urgent_rate=0.08,
    ),
    Topic(
        key="api_rate_limit",
        team_key=TeamKey.TECHNICAL,
        product_area="integrations",
        weight=5,
        channels=_INTEGRATORS,
        intake_tags=("api",),
        resolution_tags=("rate_limit",),
        subjects=("API returns 429 Too Many Requests", "Rate limits on the bookings endpoint"),
        requests=(
            (
                "Our sync job gets HTTP 429 on GET /v2/bookings after about 200 requests. We run it every "
                "5 minutes for {seats} locations."
            ),
        ),
        questions=("Could you send a request id from a failing response (X-Request-Id header)?",),
        answers=("Here's one: {request_id}.",),
        solutions=(
            (
                "Your job calls the endpoint once per location; the bulk endpoint GET /v2/bookings?"
                "location=all returns everything in one call and stays well under the limit."
            ),
        ),
        notes=("Checked the gateway logs: 1,200 requests/minute from their key.",),
    ),
    Topic(
        key="sso",
        team_key=TeamKey.TECHNICAL,
        product_area="integrations",
        weight=4,
        channels=((_EMAIL, 70), (_WEB, 30)),
        intake_tags=("sso", "login"),
        resolution_tags=(),
        subjects=("SAML SSO login loops back to the sign-in page", "Okta SSO stopped working"),
        requests=(
            (
                "Since this morning everyone who signs in through {identity_provider} lands back on the "
                "sign-in page. Password logins still work."
            ),
        ),
        questions=("Did your identity provider's signing certificate change recently?",),
        answers=("Our IT team rotated it yesterday evening, yes.",),
        solutions=(
            (
                "The new certificate wasn't uploaded to Lumen yet. I've walked your admin through "
                "Settings → Security → SSO; sign-ins work again."
            ),
        ),
        notes=("Assertion signature mismatch in the SSO logs.",),
        urgent_rate=0.12,
    ),
    Topic(
        key="sync_error",
        team_key=TeamKey.TECHNICAL,
        product_area="integrations",
        weight=6,
        channels=((_EMAIL, 50), (_CHAT, 20), (_WEB, 30)),
        intake_tags=("sync",),
        resolution_tags=("bug",),
        subjects=("Calendar sync fails with error {error_code}", "Google Calendar not updating"),
        requests=(
            (
                "Bookings no longer appear in our Google Calendar. The integration page shows error "
                "{error_code} since Tuesday."
            ),
        ),
        questions=("Could you disconnect and reconnect the calendar once, and tell me if the error changes?",),
        answers=("Reconnected, same error {error_code}.",),
        solutions=(
            (
                "The calendar token had expired on Google's side. I've reset the connection; new and "
                "changed bookings sync again and the backlog will catch up within the hour."
            ),
        ),
        notes=("Token refresh failing with invalid_grant; reset on our side.",),
    ),
    Topic(
        key="webhooks",
        team_key=TeamKey.TECHNICAL,
        product_area="integrations",
        weight=3,
        channels=_INTEGRATORS,
        intake_tags=("api",),
        resolution_tags=("webhooks",),
        subjects=("Webhooks not delivered since yesterday", "booking.created webhook missing events"),
        requests=(
            (
                "Our endpoint hasn't received any booking.created webhooks since yesterday afternoon. "
                "Nothing changed on our side as far as we know."
            ),
        ),
        questions=("Did your endpoint's TLS certificate change? Deliveries show handshake failures.",),
        answers=("It was renewed yesterday, yes, with a new intermediate.",),
        solutions=(
            (
                "Your server wasn't sending the intermediate certificate. Once your team added it, "
                "we replayed the failed deliveries from the last 48 hours."
            ),
        ),
        notes=("Deliveries failing with certificate verify failed.",),
    ),
    Topic(
        key="slow_dashboard",
        team_key=TeamKey.TECHNICAL,
        product_area="web_app",
        weight=3,
        channels=((_CHAT, 50), (_EMAIL, 50)),
        intake_tags=("performance",),
        resolution_tags=("outage",),
        subjects=("Dashboard is extremely slow", "502 errors when opening the calendar"),
        requests=(
            ("The calendar takes 30 seconds to load and sometimes shows a 502 error. This is stopping our front desk."),
        ),
        questions=("Which region are you in, and does it happen in a private browser window too?",),
        answers=("We're in {city}; yes, same in a private window.",),
        solutions=(
            (
                "We had a degraded database node in your region between 09:10 and 10:05 UTC. It has "
                "been replaced and pages load normally again. Sorry for the disruption."
            ),
        ),
        notes=("Linked to incident INC-{incident}.",),
        urgent_rate=0.2,
    ),
    Topic(
        key="seats_request",
        team_key=TeamKey.VIP,
        product_area="account",
        weight=3,
        channels=((_EMAIL, 85), (_WEB, 15)),
        intake_tags=("seats",),
        resolution_tags=(),
        subjects=("Need {seats} more seats before Monday", "Adding a new location to our contract"),
        requests=(
            (
                "We're opening a new location and need {seats} more seats activated before Monday. "
                "Can this go on our current contract?"
            ),
        ),
        questions=("Should the new seats co-terminate with your current contract, renewing on {renewal}?",),
        answers=("Yes, please keep a single renewal date.",),
        solutions=(
            (
                "Done: {seats} seats are active now and co-terminate on {renewal}. Your account "
                "manager will send the updated order form."
            ),
        ),
        notes=("Approved by account management; pro-rata order form requested.",),
    ),
)

GENERIC = {
    "auto_acknowledgement": (
        "Thanks for contacting Lumen Support. We've received your request and a member of our team "
        "will reply within one business day."
    ),
    "escalation_reply": (
        "Thanks for the details. I've passed this to our Technical team, who can look into it more "
        "deeply; they'll be in touch shortly."
    ),
    "escalation_note": "Escalating: needs access to the integration logs. Customer has been told.",
    "on_hold_reply": (
        "I've raised this with our payment provider and will update you as soon as I hear back from them."
    ),
    "in_progress_reply": "Thanks, I'm looking into this now and will get back to you today.",
    "still_broken": "Sorry, it's happening again this morning. Same problem as before.",
    "thanks": "That worked, thank you so much for the quick help!",
    "closing_after_thanks": "Glad to hear it! I'll close this ticket now.",
    "urgent_follow_up": "Any update? This is blocking our whole team today.",
    "duplicate_note": "Duplicate of the customer's earlier request; merged.",
}

_DEVICES = ("an iPhone 13", "a Pixel 7", "a Samsung Galaxy S22", "an iPad", "a OnePlus 11")
_PLANS = ("Business", "Professional", "Growth")
_CITIES = ("Frankfurt", "Dublin", "Virginia", "Oregon", "Sydney", "Singapore")
_PROVIDERS = ("Okta", "Microsoft Entra ID", "Google Workspace", "OneLogin")


_GENERATORS: dict[str, Callable[[random.Random], str]] = {
    "order_number": lambda rng: f"INV-{rng.randrange(10_000, 99_999)}",
    "seats": lambda rng: str(rng.choice((3, 5, 8, 10, 12, 20, 25, 40))),
    "device": lambda rng: rng.choice(_DEVICES),
    "app_version": lambda rng: f"4.{rng.randrange(10, 19)}.{rng.randrange(0, 6)}",
    "plan": lambda rng: rng.choice(_PLANS),
    "error_code": lambda rng: f"E-{rng.randrange(4000, 4099)}",
    "request_id": lambda rng: f"req_{rng.getrandbits(48):012x}",
    "vat_number": lambda rng: f"GB{rng.randrange(100_000_000, 999_999_999)}",
    "identity_provider": lambda rng: rng.choice(_PROVIDERS),
    "city": lambda rng: rng.choice(_CITIES),
    "incident": lambda rng: str(rng.randrange(300, 999)),
    "renewal": lambda rng: f"{rng.randrange(2026, 2028)}-{rng.randrange(1, 13):02d}-01",
}


class Placeholders(dict[str, str]):
    """Per-ticket values for the placeholders, drawn the first time a text needs one.

    Repeated topics read differently (order numbers, devices, error codes), and a
    ticket only pays for the values its texts use.
    """

    def __init__(self, rng: random.Random, *, first_name: str) -> None:
        super().__init__(first_name=first_name, agent="")
        self._rng = rng

    def __missing__(self, key: str) -> str:
        value = _GENERATORS[key](self._rng)
        self[key] = value
        return value


def customer_text(text: str, values: Placeholders, *, channel: Channel) -> str:
    """A customer's message: emails carry a greeting and a sign-off, chats do not."""
    body = text.format_map(values)
    if channel is Channel.CHAT:
        return body
    return f"Hello,\n\n{body}\n\nThanks,\n{values['first_name']}"


def agent_text(text: str, values: Placeholders, *, channel: Channel) -> str:
    """An agent's public reply, signed the way the team signs emails."""
    body = text.format_map(values)
    if channel is Channel.CHAT:
        return body
    return f"Hi {values['first_name']},\n\n{body}\n\nBest regards,\n{values['agent']}\n{SUPPORT_SIGNATURE}"
