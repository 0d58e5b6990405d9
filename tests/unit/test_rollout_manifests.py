"""The Kubernetes rollout of one service, as the rolling-upgrade test does it by hand:
a new pod before an old one goes (maxUnavailable 0), a readiness gate, and a grace period
long enough for gunicorn's graceful timeout and a worker's last commit."""

from __future__ import annotations

import pytest

from tests.unit.test_k8s_manifests import OVERLAYS, named
from tools.services import NAMES

GUNICORN_GRACEFUL_S = 20  # shared/web/gunicorn_config.py


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("service", NAMES)
@pytest.mark.parametrize("process", ["web", "worker"])
def test_a_rollout_never_has_fewer_ready_pods(overlay: str, service: str, process: str) -> None:
    deployment = named(overlay, "Deployment", f"{service}-{process}")
    strategy = deployment["spec"]["strategy"]
    assert strategy["type"] == "RollingUpdate"
    assert strategy["rollingUpdate"]["maxUnavailable"] == 0
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["readinessProbe"]["httpGet"]["path"] in {"/readyz?only=database", "/metrics"}
    grace = pod["terminationGracePeriodSeconds"]
    if process == "web":
        pause = int(container["lifecycle"]["preStop"]["exec"]["command"][1])
        assert pause + GUNICORN_GRACEFUL_S < grace
    else:
        assert grace >= 60, "a worker finishes its batch and commits before SIGKILL"
