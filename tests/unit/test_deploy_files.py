"""The deployment files agree with the code and with each other.

docker-compose.yml follows the Compose Specification, deploy/Dockerfile copies
only what exists, and every variable the services read reaches every process
and is documented. Nothing here needs a Docker engine.
"""

from __future__ import annotations

import fnmatch
import json
import re
import shlex
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from deploy.local import proxy
from services.submission.config import SubmissionSettings
from tests.unit.schema_files import REPO_ROOT, schema_file
from tools.services import by_name

COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
DOCKERFILE = REPO_ROOT / "deploy" / "Dockerfile"
DOCKERIGNORE = REPO_ROOT / ".dockerignore"
CONFIGURATION = REPO_ROOT / "docs" / "CONFIGURATION.md"
POSTGRES_INIT = REPO_ROOT / "deploy" / "postgres" / "init.sh"

SERVICES = sorted(path.parent.name for path in (REPO_ROOT / "services").glob("*/wsgi.py"))
WORKERS = [f"{service}-worker" for service in SERVICES]
PROCESSES = [f"{service}-web" for service in SERVICES] + WORKERS


class RecordingEnv(dict[str, str]):
    """An empty environment that remembers every variable asked of it."""

    def __init__(self) -> None:
        super().__init__()
        self.read: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        self.read.add(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> str:
        self.read.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        if isinstance(key, str):
            self.read.add(key)
        return super().__contains__(key)


def settings_variables() -> set[str]:
    """Every variable a service's ``Settings.from_env`` reads, for any service."""
    read: set[str] = set()
    for service in SERVICES:
        env = RecordingEnv()
        by_name(service).settings_from(env)
        read |= env.read
    assert "KAFKA_BOOTSTRAP_SERVERS" in read, "Settings.from_env no longer reads the mapping given"
    return read


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text())
    return loaded


def compose_service(name: str) -> dict[str, Any]:
    services: dict[str, Any] = compose()["services"]
    assert name in services, f"docker-compose.yml has no service {name!r}"
    service: dict[str, Any] = services[name]
    return service


def environment(service: dict[str, Any]) -> dict[str, str | None]:
    """A service's ``environment``, in either of the forms Compose allows."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        return {name: value for name, _, value in (item.partition("=") for item in env)}
    return {name: None if value is None else str(value) for name, value in env.items()}


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with line continuations joined."""
    joined = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    instructions = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, arguments = line.partition(" ")
            instructions.append((keyword.upper(), arguments.strip()))
    return instructions


def copied_from_context() -> list[str]:
    """The build-context sources of every COPY and ADD (not those from a stage or URL)."""
    sources = []
    for keyword, arguments in dockerfile_instructions():
        if keyword not in {"COPY", "ADD"}:
            continue
        words = json.loads(arguments) if arguments.startswith("[") else shlex.split(arguments)
        flags = [word for word in words if word.startswith("--")]
        paths = [word for word in words if not word.startswith("--")]
        if any(flag.startswith("--from=") for flag in flags):
            continue
        for path in paths[:-1]:
            if "://" in path:
                continue
            # The service is a build argument: the same COPY for each of them.
            sources += sorted({path.replace("${INAGARA_SERVICE}", s) for s in SERVICES})
    return sources


def dockerignored(path: str) -> bool:
    """Whether .dockerignore leaves ``path`` (relative to the context) out of the build."""
    patterns = [line.strip() for line in DOCKERIGNORE.read_text().splitlines()]
    parts = Path(path).parts
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    ignored = False
    for pattern in patterns:
        if not pattern or pattern.startswith("#"):
            continue
        negated = pattern.startswith("!")
        pattern = pattern.removeprefix("!").strip("/")
        if any(fnmatch.fnmatchcase(prefix, pattern) for prefix in prefixes):
            ignored = not negated
    return ignored


def documented_variables() -> set[str]:
    """Variable names in the first column of the tables in docs/CONFIGURATION.md."""
    names: set[str] = set()
    for line in CONFIGURATION.read_text().splitlines():
        if line.startswith("|"):
            first_cell = line.strip("|").split("|")[0]
            names.update(re.findall(r"`([A-Z][A-Z0-9_]*)`", first_cell))
    return names


def test_compose_file_follows_the_compose_specification() -> None:
    schema = json.loads(schema_file("compose-spec.json").read_text())
    errors = sorted(
        jsonschema.Draft7Validator(schema).iter_errors(compose()),
        key=lambda error: list(map(str, error.absolute_path)),
    )
    assert not errors, "\n".join(
        f"{'/'.join(map(str, error.absolute_path)) or '(top level)'}: {error.message}"
        for error in errors
    )


def test_every_path_the_image_copies_exists() -> None:
    sources = copied_from_context()
    assert sources, "deploy/Dockerfile copies nothing from the build context"
    missing = [
        source
        for source in sources
        if not any(REPO_ROOT.glob(source)) and not (REPO_ROOT / source).exists()
    ]
    assert not missing, f"deploy/Dockerfile copies paths the repository lacks: {missing}"


def test_the_build_context_keeps_what_the_image_copies_and_leaves_out_local_state() -> None:
    dropped = [source for source in copied_from_context() if dockerignored(source)]
    assert not dropped, f".dockerignore leaves out what deploy/Dockerfile copies: {dropped}"
    kept = [path for path in (".env", ".venv", "var", ".git") if not dockerignored(path)]
    assert not kept, f".dockerignore lets these into the build context: {kept}"


@pytest.mark.parametrize("process", PROCESSES)
def test_every_setting_reaches_every_service_process(process: str) -> None:
    missing = settings_variables() - environment(compose_service(process)).keys()
    assert not missing, f"{process} in docker-compose.yml does not set {sorted(missing)}"


def test_every_setting_is_documented() -> None:
    missing = settings_variables() - documented_variables()
    assert not missing, f"docs/CONFIGURATION.md does not describe {sorted(missing)}"


@pytest.mark.parametrize("worker", WORKERS)
def test_workers_can_be_scaled(worker: str) -> None:
    service = compose_service(worker)
    assert "ports" not in service, f"{worker} publishes ports, so it cannot be scaled"
    assert "container_name" not in service, f"{worker} has a container_name, so it cannot be scaled"


def test_kafka_init_creates_the_topics_of_the_one_definition() -> None:
    service = compose_service("kafka-init")
    assert service["command"] == [
        "python",
        "-m",
        "shared.events.topics",
        "create",
        "--bootstrap-servers",
        "kafka:9092",
    ]
    assert service["build"]["dockerfile"] == "deploy/Dockerfile"


@pytest.mark.parametrize("process", PROCESSES)
def test_each_service_uses_its_own_database(process: str) -> None:
    service = process.rsplit("-", 1)[0]
    url = environment(compose_service(process))["DATABASE_URL"] or ""
    # Its own login role (not the superuser), owner of its own database only.
    assert url.startswith(f"postgresql://{service}:"), url
    # Through PgBouncer (transaction pooling: tests/unit/test_connection_budget.py).
    assert url.endswith(f"@pgbouncer:6432/{service}"), url
    script = POSTGRES_INIT.read_text()
    assert "for service in submission review notification results" in script
    assert service in script.split("for service in", 1)[1].split(";", 1)[0]
    assert 'CREATE DATABASE :"role" OWNER :"role"' in script
    assert 'REVOKE ALL ON DATABASE :"role" FROM PUBLIC' in script


def test_the_compose_proxy_buffers_like_the_local_one() -> None:
    """deploy/nginx/compose.conf holds the local stack's server blocks (deploy/local/proxy.py),
    its body limit above the evidence limit, and the proxy publishes every web port."""
    text = (REPO_ROOT / "deploy" / "nginx" / "compose.conf").read_text()
    limit = SubmissionSettings.from_env(environ={}).max_evidence_file_bytes
    assert text == proxy.compose_config(limit), "run python -m deploy.local.proxy"
    services = compose()["services"]
    assert "ports" not in services["submission-web"]
    assert len(services["proxy"]["ports"]) == len(SERVICES)
