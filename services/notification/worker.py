"""The notification worker: records deliveries from events and sends them.

Loops: the outbox relay (notification.delivered / failed), one consumer of
the proposal and review topics, an email dispatcher, an SMS dispatcher (when
a gateway is configured), a WhatsApp dispatcher (when the API is configured)
and the daily digest.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from functools import partial

from sqlalchemy import Engine

from services.notification import store
from services.notification.adapters.clock import SystemClock
from services.notification.adapters.mailer import SmtpMailer
from services.notification.adapters.sms import make_gateway
from services.notification.adapters.webhook import WebhookSender
from services.notification.adapters.whatsapp import CloudApi
from services.notification.config import (
    NotificationConfig,
    NotificationSettings,
    gateway_kind,
)
from services.notification.consumers import handlers_for
from services.notification.domain.messages import WHATSAPP
from services.notification.domain.schedule import QuietHours
from services.notification.domain.webhooks import Endpoint
from services.notification.migrations import SCHEMA
from services.notification.usecases.digest import DigestComposer
from services.notification.usecases.dispatch import (
    Dispatcher,
    EmailTransport,
    Policy,
    SharedRateLimit,
    SmsTransport,
    Transport,
    WebhookTransport,
    WhatsAppTransport,
)
from services.notification.usecases.recording import Recorder, configured_recorder, privacy_url
from services.notification.usecases.work import work_factory
from shared.events.catalog import PROPOSALS, REVIEWS
from shared.events.consumer import ConsumerConfig
from shared.events.runner import Loop, WorkerPlan, serve
from shared.events.wakeup import Waiter, Wakeup
from shared.platform import egress, webhooks

# What the worker consumes by default (read by the AsyncAPI document): the
# handlers' keys are what matters there; main() builds them with the settings.
CONSUMERS = [
    (
        ConsumerConfig(group_id=NotificationConfig().consumer_group, topics=(PROPOSALS, REVIEWS)),
        handlers_for(Recorder()),
    )
]


def policy(settings: NotificationSettings, config: NotificationConfig, rate_per_s: float) -> Policy:
    return Policy(
        max_attempts=config.max_attempts,
        rate_per_s=rate_per_s,
        lease=timedelta(seconds=config.send_lease_s),
        idle_wait_s=settings.poll_interval_ms / 1000,
        retry_base_s=config.retry_base_s,
        outage_backoff_max_s=config.outage_backoff_max_s,
        privacy_url=privacy_url(config),
    )


def transports(
    settings: NotificationSettings, config: NotificationConfig
) -> list[tuple[Transport, float, int]]:
    """Each channel's transport, rate limit and number of senders."""
    found: list[tuple[Transport, float, int]] = [
        (
            EmailTransport(SmtpMailer(settings), settings.mail_from),
            config.email_rate_per_s,
            config.email_senders,
        )
    ]
    if settings.sms_gateway_url:
        gateway = make_gateway(
            gateway_kind(config, settings.sms_gateway_url),
            settings.sms_gateway_url,
            settings.sms_gateway_token,
            config.sms_sender,
            config.sms_timeout_s,
        )
        found.append((SmsTransport(gateway), config.sms_rate_per_s, config.sms_senders))
    if settings.whatsapp_api_url:
        api = CloudApi(
            settings.whatsapp_api_url,
            settings.whatsapp_phone_number_id,
            settings.whatsapp_token,
            config.whatsapp_api_version,
            config.whatsapp_timeout_s,
        )
        found.append((WhatsAppTransport(api), config.whatsapp_rate_per_s, config.whatsapp_senders))
    return found


def webhook_transport(
    engine: Engine, settings: NotificationSettings, config: NotificationConfig
) -> WebhookTransport:
    """Webhooks, their endpoints looked up in the service's database at each send."""

    def endpoint_of(endpoint_id: str) -> Endpoint | None:
        uow = work_factory(engine)()
        with uow:
            return uow.webhooks.find(endpoint_id)

    return WebhookTransport(
        WebhookSender(
            endpoint_of,
            webhooks.secret_key(settings),
            egress.networks(settings.webhook_allowed_networks),
            config.webhook_timeout_s,
        )
    )


def _sender(
    engine: Engine,
    *,
    transport: Transport,
    policy: Policy,
    quiet: QuietHours | None,
    rate: float,
    wakeup: Waiter,
    lane: tuple[int, int],
    others: Wakeup,
) -> Loop:
    """One sending loop of a channel (see ``Dispatcher``). Its rate limit is the channel's
    for the whole deployment: every sender of every replica takes from one bucket."""
    return Dispatcher(
        engine,
        transport,
        policy,
        clock=SystemClock(),
        quiet_hours=quiet,
        bucket=SharedRateLimit(work_factory(engine), transport.channel, rate),
        wakeup=wakeup,
        lane=lane,
        others=others,
    ).run


def _webhook_sender(
    engine: Engine,
    *,
    settings: NotificationSettings,
    config: NotificationConfig,
    policy: Policy,
    wakeup: Waiter,
    lane: tuple[int, int],
    others: Wakeup,
) -> Loop:
    return _sender(
        engine,
        transport=webhook_transport(engine, settings, config),
        policy=policy,
        quiet=None,
        rate=0.0,  # no send rate limit for webhooks
        wakeup=wakeup,
        lane=lane,
        others=others,
    )


def main(
    settings: NotificationSettings | None = None, config: NotificationConfig | None = None
) -> int:
    settings = settings or NotificationSettings.from_env("notification")
    config = config or NotificationConfig.from_env()
    webhooks.secret_key(settings)  # production without WEBHOOK_SECRET_KEY stops here
    quiet = QuietHours.parse(settings.sms_quiet_hours)
    # The consumer recorded deliveries: the first sender of each channel looks at once,
    # and wakes the channel's other senders when there is more than its share (an
    # equal part of what is due, at most a batch). Those
    # otherwise only look once a second, so that idle senders cost next to nothing.
    wakeup = Wakeup()
    loops: dict[str, Callable[[Engine], Loop]] = {}
    for transport, rate, senders in transports(settings, config):
        backlog = Wakeup()
        first = policy(settings, config, rate)
        if transport.channel == WHATSAPP and settings.sms_gateway_url:
            first = replace(first, fall_back_to_sms=True)
        for lane in range(senders):
            loops[f"{transport.channel}-dispatcher-{lane + 1}"] = partial(
                _sender,
                transport=transport,
                policy=first if lane == 0 else replace(first, idle_wait_s=1.0),
                quiet=quiet,
                rate=rate,
                wakeup=(wakeup if lane == 0 else backlog).waiter(),
                lane=(lane, senders),
                others=backlog,
            )

    webhook_policy = replace(
        policy(settings, config, 0.0),
        max_attempts=1_000_000,  # the retry period decides
        retry_cap_s=config.webhook_retry_cap_s,
        retry_period=timedelta(seconds=config.webhook_retry_period_s),
    )
    webhook_backlog = Wakeup()
    for lane in range(config.webhook_senders):
        loops[f"webhook-dispatcher-{lane + 1}"] = partial(
            _webhook_sender,
            settings=settings,
            config=config,
            policy=webhook_policy if lane == 0 else replace(webhook_policy, idle_wait_s=1.0),
            wakeup=(wakeup if lane == 0 else webhook_backlog).waiter(),
            lane=(lane, config.webhook_senders),
            others=webhook_backlog,
        )

    def digest(engine: Engine) -> Loop:
        return DigestComposer(engine, config.digest_at, privacy_url=privacy_url(config)).run

    loops["digest"] = digest
    return serve(
        WorkerPlan(
            settings=settings,
            schema=SCHEMA,
            outbox=store.outbox,
            inbox=store.inbox,
            consumers=[
                (
                    ConsumerConfig(group_id=config.consumer_group, topics=config.topics),
                    handlers_for(configured_recorder(settings, config)),
                )
            ],
            extra_loops=loops,
            wakeup=wakeup,
        )
    )


if __name__ == "__main__":
    sys.exit(main())
