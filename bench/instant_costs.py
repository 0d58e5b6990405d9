"""What one season costs in instant messages, before and after the channel policy.

    python -m bench.instant_costs [--proposals 12] [--reviewers 6] [--not-on-whatsapp 0.1]

A season's events (submissions, revisions, two review rounds with reminders,
receipts, scores, shortlist and decisions) go through the real recording use
case into a real database (a SQLite file), and the real dispatchers send what
is due to the local stand-ins (deploy/local/smsgateway.py and
deploy/local/whatsapp.py) day by day, on a fake clock. Counted at the
stand-ins, per person: SMS segments (GSM-7 / UCS-2 parts) and WhatsApp
messages.

- before: SMS only, every event to every innovator and reviewer (the old rules:
  receipts too), no dedupe, no cap;
- after: the default channel policy, WhatsApp preferred (a share of the
  innovators' numbers is not on WhatsApp: their messages fall back to SMS),
  the same text at most once in 24 hours, at most 4 instant messages a day.
"""

from __future__ import annotations

import argparse
import logging
import random
import statistics
import sys
import tempfile
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from deploy.local.smsgateway import SmsGatewayServer
from deploy.local.whatsapp import WhatsAppServer
from services.notification import store
from services.notification.adapters.clock import FakeClock
from services.notification.adapters.sms import WebhookGateway
from services.notification.adapters.whatsapp import CloudApi
from services.notification.consumers import handlers_for
from services.notification.domain import SENT, gsm7
from services.notification.domain.messages import INSTANT
from services.notification.domain.policy import ChannelPolicy, InstantLimits
from services.notification.domain.schedule import QuietHours
from services.notification.store.deliveries import DIGEST_TEMPLATE
from services.notification.store.tables import deliveries
from services.notification.usecases.digest import DigestComposer
from services.notification.usecases.dispatch import (
    Dispatcher,
    Policy,
    SmsTransport,
    WhatsAppTransport,
)
from services.notification.usecases.recording import Recorder
from shared.events.catalog import spec_for
from shared.events.envelope import Event
from shared.events.inbox import dispatcher as inbox_dispatcher
from shared.platform.db import create_schema, make_engine

TEMPLATES = Path(__file__).resolve().parent.parent / "services/notification/templates/whatsapp"
SEASON_START = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 09:00 WIB
NOT_ON_WHATSAPP = "+62899"
TITLES = (
    "Posyandu Digital",
    "Sampah Jadi Emas",
    "Layanan Adminduk Keliling",
    "Sistem Antrean Puskesmas",
    "Pasar Rakyat Nontunai",
    "Perpustakaan Desa Daring",
)


def _event(event_type: str, data: dict[str, Any]) -> Event:
    return Event(
        type=event_type,
        source="/inagara/bench",
        subject=str(data["proposal_id"]),
        data=data,
        dataschema=spec_for(event_type).dataschema,
    )


@dataclass(frozen=True)
class Season:
    """The people and the days of one season's events."""

    proposals: list[dict[str, Any]]
    reviewers: list[dict[str, Any]]
    days: list[list[Event]]  # the events of each day, at 09:00 WIB


def season(n_proposals: int, n_reviewers: int, not_on_whatsapp: float, seed: int = 7) -> Season:
    rng = random.Random(seed)
    reviewers = [
        {
            "id": f"rev-{r}",
            "name": f"Penilai {r}",
            "email": f"penilai{r}@univ.example.ac.id",
            "phone": f"+62813{r:08d}",
            "language": "id",
        }
        for r in range(1, n_reviewers + 1)
    ]
    proposals = []
    for p in range(1, n_proposals + 1):
        innovators = []
        for i in (1, 2):
            off = rng.random() < not_on_whatsapp
            phone = f"{NOT_ON_WHATSAPP}{p:04d}{i:03d}" if off else f"+62812{p:05d}{i:03d}"
            innovators.append(
                {
                    "name": f"Inovator {p}.{i}",
                    "email": f"inovator{p}.{i}@opd.go.id",
                    "phone": phone,
                    # Agreed on the portal: SMS/WhatsApp need a recorded basis (PRIVACY.md).
                    "instant_consent_at": "2026-02-27T09:00:00+07:00",
                }
            )
        proposals.append(
            {
                "proposal_id": str(uuid.uuid4()),
                "version": 1,
                "agency": {
                    "id": f"ag-{p}",
                    "code": f"OPD{p}",
                    "name": f"Perangkat Daerah {p}",
                    "contact_email": f"inovasi@opd{p}.go.id",
                    "contact_phone": f"+62811{p:07d}",
                },
                "submitted_at": SEASON_START.isoformat(),
                "profile": {
                    "title": f"{TITLES[p % len(TITLES)]} {p}",
                    "summary": "Ringkasan",
                    "category": "health",
                    "form": "public_service",
                    "kind": "digital",
                    "maturity": "trial",
                    "lab_stage": "deliver",
                    "problem": "Masalah",
                    "solution": "Solusi",
                    "expected_benefits": "Manfaat",
                    "budget_idr": 1000,
                    "innovators": innovators,
                },
            }
        )
    days: list[list[Event]] = [[] for _ in range(24)]
    at = SEASON_START.isoformat()
    for p in proposals:
        days[0].append(_event("proposal.submitted", p))
    revised = proposals[: max(1, n_proposals // 3)]
    for p in revised:
        pid = p["proposal_id"]
        days[1].append(
            _event(
                "proposal.revision_requested",
                {
                    "proposal_id": pid,
                    "version": 1,
                    "feedback": "Lengkapi bukti",
                    "reasons": ["missing evidence"],
                    "requested_by": "screening",
                    "requested_at": at,
                },
            )
        )
        days[3].append(_event("proposal.resubmitted", {**p, "version": 2}))

    def review_round(
        name: str, day: int, chosen: list[dict[str, Any]], per: int, deadline_day: int
    ) -> None:
        deadline = (SEASON_START + timedelta(days=deadline_day, hours=8)).isoformat()
        for k, p in enumerate(chosen):
            pid, title = p["proposal_id"], p["profile"]["title"]
            for j in range(per):
                reviewer = reviewers[(k * per + j) % len(reviewers)]
                assignment = f"{name}-{pid}-{reviewer['id']}"
                assigned = {
                    "proposal_id": pid,
                    "assignment_id": assignment,
                    "round": name,
                    "reviewer": reviewer,
                    "title": title,
                    "deadline": deadline,
                    "assigned_at": at,
                }
                reminder = {k2: assigned[k2] for k2 in ("proposal_id", "assignment_id", "title")}
                reminder.update(reviewer=reviewer, deadline=deadline)
                days[day].append(_event("review.assigned", assigned))
                # Reminded two days and one day before the deadline: the same text twice.
                days[deadline_day - 2].append(_event("review.reminder_due", reminder))
                days[deadline_day - 1].append(_event("review.reminder_due", reminder))
                days[deadline_day].append(
                    _event(
                        "review.submitted",
                        {
                            "proposal_id": pid,
                            "assignment_id": assignment,
                            "round": name,
                            "reviewer_id": reviewer["id"],
                            "weighted_total": 80.0,
                            "submitted_at": at,
                        },
                    )
                )
            days[deadline_day + 1].append(
                _event(
                    "proposal.scored",
                    {
                        "proposal_id": pid,
                        "round": name,
                        "mean_score": 80.0,
                        "reviewer_totals": [80.0] * per,
                        "disagreement": False,
                        "scored_at": at,
                    },
                )
            )

    review_round("desk", 5, proposals, 3, 10)
    shortlisted = proposals[: n_proposals // 2]
    decided = {"decided_by": "sec-1", "decided_at": at}
    for k, p in enumerate(proposals):
        pid = p["proposal_id"]
        if p in shortlisted:
            days[12].append(
                _event("proposal.shortlisted", {"proposal_id": pid, **decided, "rank": k + 1})
            )
        else:
            days[12].append(_event("proposal.rejected", {"proposal_id": pid, **decided}))
    review_round("panel", 14, shortlisted, 2, 19)
    for k, p in enumerate(shortlisted):
        pid = p["proposal_id"]
        if k < len(shortlisted) // 2:
            days[22].append(
                _event("proposal.awarded", {"proposal_id": pid, **decided, "award": "Terbaik"})
            )
        else:
            days[22].append(_event("proposal.not_awarded", {"proposal_id": pid, **decided}))
    return Season(proposals, reviewers, days)


@dataclass(frozen=True)
class Tally:
    sms_segments: Counter[str]
    sms_messages: Counter[str]
    whatsapp: Counter[str]
    repeats_within_a_day: int  # the same instant text sent to one number again within 24 h
    repeats_in_season: int  # ... again at any time in the season


def run(
    plan: Season,
    recorder_options: dict[str, Any],
    whatsapp_on: bool,
    database_url: str | None = None,
) -> Tally:
    """The season through the recorder and the dispatchers; a SQLite file in a temporary
    folder unless ``database_url`` names an (empty) database."""
    with (
        tempfile.TemporaryDirectory() as tmp,
        SmsGatewayServer() as gateway,
        WhatsAppServer(templates=TEMPLATES, not_on_whatsapp=(NOT_ON_WHATSAPP,)) as whatsapp,
    ):
        engine = make_engine(database_url or f"sqlite:///{tmp}/season.db")
        create_schema(engine, store.metadata)
        clock = FakeClock(SEASON_START)
        quiet = QuietHours.parse("21:00-07:00")
        recorder = Recorder(
            sms=True, whatsapp=whatsapp_on, clock=clock, quiet_hours=quiet, **recorder_options
        )
        handle = inbox_dispatcher(engine, store.inbox, handlers_for(recorder))
        senders = [
            Dispatcher(
                engine,
                SmsTransport(WebhookGateway(gateway.webhook_url, "", "INAGARA", 5.0)),
                Policy(),
                clock=clock,
                quiet_hours=quiet,
            )
        ]
        if whatsapp_on:
            api = CloudApi(whatsapp.base_url, "100000000000001", "t", timeout_s=5.0)
            senders.insert(
                0,
                Dispatcher(
                    engine,
                    WhatsAppTransport(api),
                    Policy(fall_back_to_sms=True),
                    clock=clock,
                    quiet_hours=quiet,
                ),
            )
        digests = DigestComposer(engine, time(7, 0), clock=clock)

        def drain() -> None:
            while sum(sender.send_due() for sender in senders):
                pass

        for day, events in enumerate([*plan.days, [], []]):  # two more mornings for digests
            clock.set(SEASON_START + timedelta(days=day, hours=-2))  # 07:00 WIB
            digests.compose_due()
            drain()
            clock.set(SEASON_START + timedelta(days=day))  # 09:00 WIB
            for event in events:
                handle(event)
            drain()
        repeats = _repeats(engine)
        engine.dispose()
        return Tally(
            sms_segments=Counter(
                {
                    to: sum(
                        gsm7.split(m.text).count for m in gateway.gateway.messages if m.to == to
                    )
                    for to in {m.to for m in gateway.gateway.messages}
                }
            ),
            sms_messages=Counter(m.to for m in gateway.gateway.messages),
            whatsapp=Counter(m.to for m in whatsapp.state.messages),
            repeats_within_a_day=repeats[0],
            repeats_in_season=repeats[1],
        )


def _repeats(engine: Engine) -> tuple[int, int]:
    """Instant messages sent with the same text as an earlier one to the same number:
    within 24 hours of it, and at any time (sent_at is the fake clock's)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(deliveries.c.recipient, deliveries.c.text_key, deliveries.c.sent_at)
            .where(
                deliveries.c.channel.in_(INSTANT),
                deliveries.c.status == SENT,
                deliveries.c.template != DIGEST_TEMPLATE,
            )
            .order_by(deliveries.c.sent_at)
        ).all()
    last: dict[tuple[str, str], datetime] = {}
    within = anytime = 0
    for recipient, key, sent_at in rows:
        earlier = last.get((recipient, key))
        if earlier is not None:
            anytime += 1
            within += sent_at - earlier <= timedelta(hours=24)
        last[(recipient, key)] = sent_at
    return within, anytime


def _row(label: str, people: list[str], tally: Tally) -> str:
    segments = [tally.sms_segments[p] for p in people]
    whatsapp = [tally.whatsapp[p] for p in people]
    return (
        f"| {label} | {sum(segments)} | {statistics.mean(segments):.1f} | {max(segments)} "
        f"| {sum(whatsapp)} | {statistics.mean(whatsapp):.1f} | {max(whatsapp)} |"
    )


NOTICE = "https://notifikasi.inovasi.pemkot.go.id/privasi"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.instant_costs")
    parser.add_argument("--proposals", type=int, default=12)
    parser.add_argument("--reviewers", type=int, default=6)
    parser.add_argument("--not-on-whatsapp", type=float, default=0.1)
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)  # the fallbacks' warnings: counted below instead
    plan = season(args.proposals, args.reviewers, args.not_on_whatsapp)
    before = run(
        plan,
        {
            "policy": ChannelPolicy.parse("reviewer:*=email+instant"),
            "limits": InstantLimits(dedupe_window=timedelta(0), daily_cap=0),
            "privacy_url": "",  # before the privacy link
        },
        whatsapp_on=False,
    )
    # The defaults, with a city's address for the privacy link every message ends with.
    after = run(plan, {"privacy_url": NOTICE, "require_basis": True}, whatsapp_on=True)
    innovators = [i["phone"] for p in plan.proposals for i in p["profile"]["innovators"]]
    reviewers = [r["phone"] for r in plan.reviewers]
    off = sum(p.startswith(NOT_ON_WHATSAPP) for p in innovators)
    print(
        f"A season: {args.proposals} proposals, {len(innovators)} innovators ({off} not on "
        f"WhatsApp), {len(reviewers)} reviewers, {sum(map(len, plan.days))} events.\n"
    )
    print("| who, run | SMS segments | per person | max | WhatsApp messages | per person | max |")
    print("|---|---|---|---|---|---|---|")
    for label, people in (("innovators", innovators), ("reviewers", reviewers)):
        print(_row(f"{label}, before (SMS for every event)", people, before))
        print(_row(f"{label}, after (policy)", people, after))
    print(
        f"\nThe same instant text sent to one number again within 24 hours: before "
        f"{before.repeats_within_a_day}, after {after.repeats_within_a_day}; at any time in "
        f"the season: before {before.repeats_in_season}, after {after.repeats_in_season}."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
