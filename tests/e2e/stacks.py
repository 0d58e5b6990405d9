"""The whole local stack the end-to-end tests start, on the session's broker."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from deploy.local.ports import free_port
from deploy.local.stack import SERVICES, StackConfig


def session_stack_config(
    tmp_path: Path,
    kafka_bootstrap: str,
    database_factory: Callable[[], str],
    admin_token: str,
    **fields: Any,
) -> StackConfig:
    """Every service on free ports and a database of its own, the session's broker (none
    started by the stack), the SMTP catcher on a free port; ``fields`` add to these or
    replace them."""
    return StackConfig(
        **{
            "var_dir": tmp_path / "var",
            "admin_token": admin_token,
            "ports": {service: free_port() for service in SERVICES},
            "broker_port": 0,
            "smtp_port": free_port(),
            "kafka_bootstrap_servers": kafka_bootstrap,
            "database_urls": {service: database_factory() for service in SERVICES},
            **fields,
        }
    )
