"""Realistic ticket histories: who writes, who picks the ticket up, how it ends.

A plot walks one conversation forward in time through `story.PlannedTicket` (so every
step obeys the ticket rules) and stops at the horizon (the demo's "now"), which leaves
recent tickets new, open or pending the way a live queue looks. An outcome drawn up
front decides whether older tickets were resolved or still sit in the backlog.
"""

from __future__ import annotations

import contextlib
import random
from datetime import datetime, timedelta

from switchboard.channels.models import Channel
from switchboard.customers.models import CustomerTier
from switchboard.demo.cast import Cast, CustomerRef, InboxRef, StaffRef
from switchboard.demo.catalogue import TeamKey
from switchboard.demo.conversations import GENERIC, TOPICS, Placeholders, Topic, agent_text, customer_text
from switchboard.demo.odds import Weighted, chance, lognormal_minutes
from switchboard.demo.plot_settings import Outcome, PlotSettings
from switchboard.demo.story import PlannedTicket
from switchboard.tickets.states import Priority, TicketStatus

AUTO_CLOSE_AFTER = timedelta(days=4)  # solved tickets close after four quiet days (an automation)
RECENT = timedelta(days=14)


_TOPICS = Weighted([(topic, topic.weight) for topic in TOPICS])
_CHANNELS = {topic.key: Weighted(topic.channels) for topic in TOPICS}
LOW_PRIORITY_RATE = 0.1
_INBOX_FOR_EMAIL = {TeamKey.BILLING: "billing_email", TeamKey.VIP: "vip_email"}
_INBOX_FOR_CHANNEL = {Channel.CHAT: "website_chat", Channel.WEB: "contact_form", Channel.API: "partner_api"}


class _BeyondHorizon(Exception):
    """The plot reached the present; the rest of the story has not happened yet."""


def _priority(rng: random.Random, topic: Topic, customer: CustomerRef) -> Priority:
    high_rate = 0.3 if customer.tier is CustomerTier.ENTERPRISE else 0.14
    draw = rng.random()
    if draw < topic.urgent_rate:
        return Priority.URGENT
    if draw < topic.urgent_rate + high_rate:
        return Priority.HIGH
    if draw < topic.urgent_rate + high_rate + LOW_PRIORITY_RATE:
        return Priority.LOW
    return Priority.NORMAL


def plan_conversation(
    rng: random.Random,
    *,
    cast: Cast,
    settings: PlotSettings,
    customer: CustomerRef,
    created_at: datetime,
    horizon: datetime,
    allow_duplicate: bool = True,
) -> list[PlannedTicket]:
    """The ticket(s) one customer request becomes: usually one, two when a duplicate is merged."""
    plot = _Plot(rng, cast=cast, settings=settings, customer=customer, horizon=horizon, allow_duplicate=allow_duplicate)
    with contextlib.suppress(_BeyondHorizon):
        plot.run(created_at)
    return plot.tickets


class _Plot:
    """One conversation told step by step; every step moves `moment` forward."""

    def __init__(
        self,
        rng: random.Random,
        *,
        cast: Cast,
        settings: PlotSettings,
        customer: CustomerRef,
        horizon: datetime,
        allow_duplicate: bool,
    ) -> None:
        self.rng = rng
        self.cast = cast
        self.settings = settings
        self.customer = customer
        self.horizon = horizon
        self.allow_duplicate = allow_duplicate
        self.tickets: list[PlannedTicket] = []
        self.topic = _TOPICS.pick(rng)
        self.channel = _CHANNELS[self.topic.key].pick(rng)
        team_key = self.topic.team_key
        if customer.tier is CustomerTier.ENTERPRISE and chance(rng, 0.8):
            team_key = TeamKey.VIP
        self.team = cast.teams[team_key]
        self.inbox = self._inbox(self.channel, team_key)
        # Email lands in its inbox's team and chat in Tier 1 unless a pre-chat form routed
        # it; forms and the API carry a category.
        self.opening_team = self.team
        if self.channel is Channel.EMAIL or (
            self.channel is Channel.CHAT and not chance(rng, settings.chat_prerouting_rate)
        ):
            self.opening_team = cast.teams[self.inbox.default_team_key]
        self.values = Placeholders(rng, first_name=customer.first_name)
        self.assignee: StaffRef | None = None
        self.moment = horizon

    def run(self, created_at: datetime) -> None:
        ticket = self._open(created_at)
        age = self.horizon - created_at
        outcome = (self.settings.recent_outcomes if age < RECENT else self.settings.older_outcomes).pick(self.rng)
        if outcome is Outcome.UNTOUCHED:
            return
        if self.opening_team is not self.team:
            # A lead triages the misrouted ticket to the team that owns the topic.
            lead = self.opening_team.lead
            self.moment = self._agent_time(lead, 20)
            ticket.update(at=self.moment, actor_user_id=lead.user_id, team_id=self.team.team_id)
        agent = self.assignee or self._assign(ticket)
        if self.allow_duplicate and self.channel is not Channel.CHAT and chance(self.rng, self.settings.duplicate_rate):
            self._merge_a_duplicate(ticket, agent)
        self._look_into(ticket, agent)
        escalation = self.topic.escalates_to
        escalation_rate = self.topic.escalation_rate * self.settings.escalation_factor
        if escalation is not None and not chance(self.rng, escalation_rate):
            escalation = None
        if escalation is not None or outcome is Outcome.QUEUED:
            self._hand_over(ticket, agent, escalation)
            if outcome is Outcome.QUEUED:
                return
            agent = self._assign(ticket)
        if self._answer(ticket, agent, outcome):
            self._after_solving(ticket, agent)

    # -- steps ---------------------------------------------------------------------------

    def _open(self, created_at: datetime) -> PlannedTicket:
        rng, settings, customer, topic, channel = self.rng, self.settings, self.customer, self.topic, self.channel
        intake_tags: list[str] = []
        if chance(rng, settings.intake_tag_rate):
            intake_tags.extend(topic.intake_tags)
            if customer.tier is CustomerTier.ENTERPRISE:
                intake_tags.append("vip")
        if self.opening_team is self.team and chance(rng, settings.assign_at_intake_rate):
            self.assignee = self.team.pick_agent(rng, created_at)
            self.values["agent"] = self.assignee.name
        ticket = PlannedTicket.create(
            at=self._when(created_at),
            actor_user_id=None,  # channel intake runs as the system
            subject=rng.choice(topic.subjects).format_map(self.values),
            body_text=customer_text(rng.choice(topic.requests), self.values, channel=channel),
            customer_id=customer.customer_id,
            channel=channel,
            inbox_id=self.inbox.inbox_id,
            priority=_priority(rng, topic, customer),
            team_id=self.opening_team.team_id,
            assignee_id=self.assignee.user_id if self.assignee else None,
            tags=[tag for tag in intake_tags if tag in self.cast.tag_ids],
            custom_fields=self._fields(),
            external_id=self._message_id() if channel is Channel.EMAIL else None,
        )
        self.tickets.append(ticket)
        self.moment = created_at
        if channel is Channel.WEB and chance(rng, settings.auto_acknowledgement_rate):
            self.moment = self._when(self.moment + timedelta(seconds=rng.randint(2, 20)))
            ticket.reply(
                at=self.moment,
                actor_user_id=None,
                body_text=GENERIC["auto_acknowledgement"],
                status=TicketStatus.NEW,
                is_automatic=True,
            )
        return ticket

    def _assign(self, ticket: PlannedTicket) -> StaffRef:
        """Someone on the current team's shift takes the ticket (or the chat queue offers it)."""
        rng, team = self.rng, self.team
        agent = team.pick_agent(rng, self.moment)
        routed_by: int | None
        if self.channel is Channel.CHAT:
            self.moment = self._when(agent.hours.next_opening(self.moment) + lognormal_minutes(rng, 1.5, 0.7))
            routed_by = None  # the chat queue offers it to an available agent
        else:
            self.moment = self._agent_time(agent, 25)
            routed_by = agent.user_id if chance(rng, 0.6) else team.lead.user_id
        ticket.update(at=self.moment, actor_user_id=routed_by, assignee_id=agent.user_id)
        self.assignee = agent
        self.values["agent"] = agent.name
        return agent

    def _look_into(self, ticket: PlannedTicket, agent: StaffRef) -> None:
        """Before answering, the agent may raise the priority or leave a note for colleagues."""
        rng, settings = self.rng, self.settings
        if chance(rng, settings.priority_bump_rate) and ticket.priority in (Priority.LOW, Priority.NORMAL):
            self.moment = self._when(self.moment + lognormal_minutes(rng, 5))
            ticket.update(at=self.moment, actor_user_id=agent.user_id, priority=Priority.HIGH)
        if chance(rng, settings.note_rate):
            self.moment = self._when(self.moment + lognormal_minutes(rng, 6))
            body = rng.choice(self.topic.notes).format_map(self.values)
            ticket.note(at=self.moment, actor_user_id=agent.user_id, body_text=body)

    def _hand_over(self, ticket: PlannedTicket, agent: StaffRef, escalation: str | None) -> None:
        """Escalate to another team's queue, or hand the ticket back to this team's queue."""
        rng, values, channel = self.rng, self.values, self.channel
        self.moment = self._agent_time(agent, 30 if channel is not Channel.CHAT else 2)
        if escalation is not None:
            ticket.reply(
                at=self.moment,
                actor_user_id=agent.user_id,
                body_text=agent_text(GENERIC["escalation_reply"], values, channel=channel),
            )
            self.moment = self._when(self.moment + timedelta(minutes=rng.randint(1, 4)))
            ticket.note(at=self.moment, actor_user_id=agent.user_id, body_text=GENERIC["escalation_note"])
            self.team = self.cast.teams[escalation]
            ticket.update(at=self.moment, actor_user_id=agent.user_id, team_id=self.team.team_id, assignee_id=None)
        else:
            # The agent answered, then went off shift and the lead put it back in the queue.
            ticket.reply(
                at=self.moment,
                actor_user_id=agent.user_id,
                body_text=agent_text(GENERIC["in_progress_reply"], values, channel=channel),
            )
            self.moment = self._when(self.moment + lognormal_minutes(rng, 90))
            ticket.update(at=self.moment, actor_user_id=self.team.lead.user_id, assignee_id=None)
        self.assignee = None

    def _answer(self, ticket: PlannedTicket, agent: StaffRef, outcome: Outcome) -> bool:
        """The agent's answer; True when it solved the ticket."""
        rng, topic, values, channel = self.rng, self.topic, self.values, self.channel
        answer_minutes = 1.0 if channel is Channel.CHAT else 40.0
        self.moment = self._agent_time(agent, answer_minutes)
        if outcome in (Outcome.IN_PROGRESS, Outcome.ON_HOLD):
            on_hold = outcome is Outcome.ON_HOLD
            text = GENERIC["on_hold_reply" if on_hold else "in_progress_reply"]
            ticket.reply(
                at=self.moment,
                actor_user_id=agent.user_id,
                body_text=agent_text(text, values, channel=channel),
                status=TicketStatus.ON_HOLD if on_hold else TicketStatus.OPEN,
            )
            return False
        if outcome is Outcome.AWAITING_CUSTOMER or chance(rng, self.settings.question_rate):
            ticket.reply(
                at=self.moment,
                actor_user_id=agent.user_id,
                body_text=agent_text(rng.choice(topic.questions), values, channel=channel),
                status=TicketStatus.PENDING,
            )
            if outcome is Outcome.AWAITING_CUSTOMER:
                return False
            customer_pause = lognormal_minutes(rng, 3 if channel is Channel.CHAT else 240)
            self.moment = self._when(self.moment + min(customer_pause, timedelta(days=3)))
            ticket.customer_writes(
                at=self.moment,
                actor_user_id=None,
                body_text=customer_text(rng.choice(topic.answers), values, channel=channel),
            )
            self.moment = self._agent_time(agent, answer_minutes)
        ticket.reply(
            at=self.moment,
            actor_user_id=agent.user_id,
            body_text=agent_text(rng.choice(topic.solutions), values, channel=channel),
            status=TicketStatus.SOLVED,
        )
        if topic.resolution_tags and chance(rng, self.settings.resolution_tag_rate):
            self.moment = self._when(self.moment + timedelta(seconds=rng.randint(10, 90)))
            ticket.update(at=self.moment, actor_user_id=agent.user_id, add_tags=topic.resolution_tags)
        return True

    def _after_solving(self, ticket: PlannedTicket, agent: StaffRef) -> None:
        """Maybe the customer writes back (a thank-you or "it's broken again"), then it closes."""
        rng, settings = self.rng, self.settings
        draw = rng.random()
        if draw < settings.reopen_rate + settings.thanks_rate:
            it_is_thanks = draw >= settings.reopen_rate
            self.moment = self._when(self.moment + lognormal_minutes(rng, 90 if it_is_thanks else 900))
            if self.moment < ticket.updated_at + AUTO_CLOSE_AFTER:
                text = GENERIC["thanks"] if it_is_thanks else GENERIC["still_broken"]
                ticket.customer_writes(at=self.moment, actor_user_id=None, body_text=text)
                self.moment = self._agent_time(agent, 15 if it_is_thanks else 60)
                if it_is_thanks:
                    ticket.update(
                        at=self.moment,
                        actor_user_id=agent.user_id,
                        status=TicketStatus.SOLVED,
                        add_tags=["positive_feedback"],
                    )
                else:
                    ticket.reply(
                        at=self.moment,
                        actor_user_id=agent.user_id,
                        body_text=agent_text(rng.choice(self.topic.solutions), self.values, channel=self.channel),
                        status=TicketStatus.SOLVED,
                    )
        solved_at = ticket.solved_at
        if solved_at is None:
            raise RuntimeError("plots close only solved tickets")
        self.moment = self._when(solved_at + AUTO_CLOSE_AFTER + timedelta(seconds=rng.randint(0, 3600)))
        ticket.update(at=self.moment, actor_user_id=None, status=TicketStatus.CLOSED)

    def _merge_a_duplicate(self, ticket: PlannedTicket, agent: StaffRef) -> None:
        """The customer wrote again before anyone answered; the agent merges the copy."""
        waited = self.moment - ticket.created_at
        if waited < timedelta(minutes=5):
            return
        copy_at = ticket.created_at + waited * self.rng.uniform(0.2, 0.9)
        copy = PlannedTicket.create(
            at=copy_at,
            actor_user_id=None,
            subject=f"Re: {ticket.subject}"[:500],
            body_text=customer_text(GENERIC["urgent_follow_up"], self.values, channel=ticket.channel),
            customer_id=ticket.customer_id,
            channel=ticket.channel,
            inbox_id=ticket.inbox_id,
            priority=ticket.opening_priority,
            team_id=ticket.opening_team_id,
            external_id=self._message_id() if ticket.channel is Channel.EMAIL else None,
        )
        self.tickets.append(copy)
        self.moment = self._when(self.moment + timedelta(minutes=self.rng.randint(1, 5)))
        copy.merge_into(ticket, at=self.moment, actor_user_id=agent.user_id)

    # -- helpers -------------------------------------------------------------------------

    def _when(self, moment: datetime) -> datetime:
        if moment > self.horizon:
            raise _BeyondHorizon
        return moment

    def _agent_time(self, agent: StaffRef, median_minutes: float) -> datetime:
        """When the agent has done `median_minutes` (log-normally spread) of office work from now."""
        return self._when(agent.hours.after_working(self.moment, lognormal_minutes(self.rng, median_minutes)))

    def _inbox(self, channel: Channel, team_key: str) -> InboxRef:
        if channel is Channel.EMAIL:
            return self.cast.inboxes[_INBOX_FOR_EMAIL.get(team_key, "support_email")]
        return self.cast.inboxes[_INBOX_FOR_CHANNEL[channel]]

    def _fields(self) -> dict[str, object]:
        """Forms and the API ask for the product area and order number; triage fills some in."""
        rng, settings, topic, values = self.rng, self.settings, self.topic, self.values
        fields: dict[str, object] = {}
        from_a_form = self.channel in (Channel.WEB, Channel.API)
        if chance(rng, settings.form_field_rate if from_a_form else settings.triage_field_rate):
            fields["product_area"] = topic.product_area
        if topic.asks_order_number and from_a_form and chance(rng, settings.form_field_rate):
            fields["order_number"] = values["order_number"]
        if self.customer.tier is CustomerTier.ENTERPRISE and topic.team_key != TeamKey.BILLING:
            fields["seats"] = int(values["seats"]) * 5
            fields["renewal_date"] = values["renewal"]
        return fields

    def _message_id(self) -> str:
        return f"<{self.rng.getrandbits(64):016x}.{self.rng.getrandbits(32):08x}@{self.customer.email_domain}>"
