"""How a Kafka client reaches the cluster: one place for bootstrap servers and security.

Every client the project builds (the worker's producer and consumers, the topic
creator, the review service's pipeline probes, the dead-letter tool) takes its
keyword arguments from here, so a TLS or SASL cluster needs settings, not code:
``KAFKA_SECURITY_PROTOCOL`` (PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL),
``KAFKA_SASL_MECHANISM`` (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512),
``KAFKA_SASL_USERNAME``/``KAFKA_SASL_PASSWORD``, ``KAFKA_SSL_CAFILE`` (the CA that
signed the brokers' certificates; the system's CAs when empty), and for mutual TLS
``KAFKA_SSL_CERTFILE``/``KAFKA_SSL_KEYFILE``.
"""

from __future__ import annotations

from typing import Any

from shared.platform.settings import Settings


def kafka_security(settings: Settings) -> dict[str, Any]:
    """kafka-python's security keyword arguments for ``settings`` (empty for PLAINTEXT)."""
    protocol = settings.kafka_security_protocol
    if protocol == "PLAINTEXT":
        return {}
    config: dict[str, Any] = {"security_protocol": protocol}
    if protocol.startswith("SASL_"):
        config |= {
            "sasl_mechanism": settings.kafka_sasl_mechanism,
            "sasl_plain_username": settings.kafka_sasl_username,
            "sasl_plain_password": settings.kafka_sasl_password,
        }
    if protocol.endswith("SSL"):
        config["ssl_check_hostname"] = settings.kafka_ssl_check_hostname
        for option, path in (
            ("ssl_cafile", settings.kafka_ssl_cafile),
            ("ssl_certfile", settings.kafka_ssl_certfile),
            ("ssl_keyfile", settings.kafka_ssl_keyfile),
        ):
            if path:
                config[option] = path
    return config


def kafka_client(settings: Settings) -> dict[str, Any]:
    """Bootstrap servers and security: the keyword arguments every client starts from."""
    return {
        "bootstrap_servers": settings.kafka_bootstrap_servers.split(","),
        **kafka_security(settings),
    }


def kafka_client_from_env(bootstrap_servers: str | None = None) -> dict[str, Any]:
    """``kafka_client`` for a tool started from the environment (``bootstrap_servers`` wins)."""
    settings = Settings.from_env()
    if bootstrap_servers:
        settings = settings.with_(kafka_bootstrap_servers=bootstrap_servers)
    return kafka_client(settings)
