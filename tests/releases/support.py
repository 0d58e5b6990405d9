"""The local stack with some services run from their last release (tools/release_env.py)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from deploy.local.stack import Stack, StackConfig
from shared.events.catalog import TOPICS, dead_letter_topic
from tests.faults.support import lean_stack
from tools.dlq import read_all
from tools.release_env import ReleaseEnv, build, last_release
from tools.services import NAMES


class MixedStack(Stack):
    """``Stack``, where each service in ``old`` runs its released code and migrations."""

    def __init__(
        self, config: StackConfig, old: Mapping[str, ReleaseEnv], web_options: tuple[str, ...] = ()
    ) -> None:
        super().__init__(config)
        self.old = dict(old)
        self.web_options = web_options  # given to every gunicorn, old or new

    def migrate(self, service: str) -> None:
        if service in self.old:
            self.old[service].migrate(self.config.database_urls[service])
        else:
            super().migrate(service)

    def _web_command(self, service: str) -> list[str]:
        if service in self.old:
            bind = f"127.0.0.1:{self.upstream_ports[service]}"
            command = self.old[service].web_command(bind, self.config.web_workers)
        else:
            command = super()._web_command(service)
        at = command.index("gunicorn") + 1
        return [*command[:at], *self.web_options, *command[at:]]

    def worker_command(self, service: str) -> list[str]:  # type: ignore[override]
        if service not in self.old:
            return Stack.worker_command(service)
        return self.old[service].worker_command()

    def process_cwd(self, name: str) -> Path | None:
        # An old release's process starts in its release's folder: gunicorn (and Python)
        # would otherwise find the working tree's packages from the starting directory.
        service = name.rsplit("-", 1)[0]
        return self.old[service].folder if service in self.old else None

    def service_env(self, service: str) -> dict[str, str]:
        env = super().service_env(service)
        return self.old[service].env(env) if service in self.old else env


def old_envs(services: tuple[str, ...]) -> dict[str, ReleaseEnv]:
    """The last release of each of ``services``, built (or found) under .venv-releases/."""
    return {service: build(last_release(service)) for service in services}


def mixed_stack(
    tmp_path: Path,
    kafka_bootstrap: str,
    old: tuple[str, ...],
    databases: Callable[[], str],
    web_options: tuple[str, ...] = (),
) -> MixedStack:
    """A lean stack (tests/faults/support.py), each service on a fresh database of
    ``databases``, the services in ``old`` on their last release."""
    urls = {service: databases() for service in NAMES}
    # A submission release from before consent (instant_consent_at) carries none, and
    # the notification service now requires a basis for SMS by default: these tests are
    # about the events and the processes, so the basis rule is left to its own tests
    # (docs/OPERATE.md, "Upgrading": consent and the order of the upgrade).
    extra_env = {"INSTANT_REQUIRE_BASIS": "false"}
    config = lean_stack(tmp_path, kafka_bootstrap, urls, extra_env).config
    return MixedStack(config, old_envs(old), web_options)


def dead_letters(bootstrap: str) -> dict[str, int]:
    """How many records each dead-letter topic holds."""
    return {t: len(read_all(bootstrap, dead_letter_topic(t))) for t in TOPICS}
