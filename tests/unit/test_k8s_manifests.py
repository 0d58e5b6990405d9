"""The Kubernetes manifests render, follow their schemas and agree with the code.

Each overlay of deploy/k8s is rendered with ``kubectl kustomize`` (kustomize is built
into kubectl) and every document checked: built-in kinds against the Kubernetes JSON
Schemas of the ``kubernetes-validate`` package, KEDA ScaledObjects against
deploy/k8s/schemas/keda-scaledobject.json. No cluster is needed; kubectl is, and a
missing kubectl fails these tests rather than skipping them.
"""

from __future__ import annotations

import functools
import importlib
import json
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from shared.events.catalog import TOPICS
from shared.events.topics import TOPIC_SPECS
from tests.unit.schema_files import REPO_ROOT
from tests.unit.test_deploy_files import SERVICES, RecordingEnv, settings_variables
from tools.services import NAMES as MIGRATED_SERVICES
from tools.services import by_name

K8S = REPO_ROOT / "deploy" / "k8s"
OVERLAYS = ("local", "production")
KEDA_SCHEMA = K8S / "schemas" / "keda-scaledobject.json"
KEDA_AUTH_SCHEMA = K8S / "schemas" / "keda-triggerauthentication.json"
KEDA_KINDS = ("ScaledObject", "TriggerAuthentication")
SECRET_EXAMPLE = K8S / "secret.example.yaml"
ENTRYPOINT = REPO_ROOT / "deploy" / "docker-entrypoint.sh"
SECRET_NAME = "inagara-secrets"
# The oldest and newest Kubernetes releases whose schemas kubernetes-validate ships.
KUBERNETES_VERSIONS = ("1.25.0", kubernetes_validate.latest_version())
# Each service's own image: {service} is the service that Deployment or Job belongs to.
EXPECTED_IMAGE = {
    "local": "inagara/{service}:dev",
    "production": "registry.example.org/inagara/{service}:",
}
EXPECTED_NAMESPACE = {"local": "inagara-local", "production": "inagara"}
# Settings a service reads beside its Settings (config.py), by service (module, class).
SERVICE_SETTINGS = {
    "review": ("services.review.config", "ReviewSettings"),
    "notification": ("services.notification.config", "NotificationConfig"),
}

Doc = dict[str, Any]


def kubectl() -> str:
    found = shutil.which("kubectl")
    if not found:
        pytest.fail(
            "kubectl not found on PATH: it renders the kustomize overlays of deploy/k8s "
            "(`kubectl kustomize`). Install kubectl 1.27 or later.",
            pytrace=False,
        )
    return found


@functools.cache
def rendered(overlay: str) -> tuple[Doc, ...]:
    """The documents ``kubectl kustomize deploy/k8s/overlays/<overlay>`` prints."""
    directory = K8S / "overlays" / overlay
    result = subprocess.run(
        [kubectl(), "kustomize", str(directory)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(f"kubectl kustomize {directory} failed:\n{result.stderr}", pytrace=False)
    return tuple(doc for doc in yaml.safe_load_all(result.stdout) if doc)


def of_kind(overlay: str, kind: str) -> list[Doc]:
    return [doc for doc in rendered(overlay) if doc["kind"] == kind]


POOLER = "database-pooler"  # PgBouncer (components/pgbouncer): not an Inagara process


def is_pooler(doc: Doc) -> bool:
    return bool(doc["metadata"].get("labels", {}).get("app.kubernetes.io/component") == POOLER)


def services_of_kind(overlay: str, kind: str) -> list[Doc]:
    """The documents of ``kind`` that belong to the Inagara services (not the pooler)."""
    return [doc for doc in of_kind(overlay, kind) if not is_pooler(doc)]


def named(overlay: str, kind: str, name: str) -> Doc:
    found = [doc for doc in of_kind(overlay, kind) if doc["metadata"]["name"] == name]
    assert found, f"{overlay}: no {kind} {name!r}"
    return found[0]


def pod_specs(overlay: str) -> Iterator[tuple[str, Doc]]:
    """(``Kind/name``, pod spec) of every Deployment and Job."""
    for doc in rendered(overlay):
        if doc["kind"] in {"Deployment", "Job"} and not is_pooler(doc):
            yield f"{doc['kind']}/{doc['metadata']['name']}", doc["spec"]["template"]["spec"]


def containers(overlay: str) -> Iterator[tuple[str, Doc]]:
    """(``Kind/name/container``, container) of every container and init container."""
    for where, spec in pod_specs(overlay):
        for container in [*spec.get("initContainers", []), *spec["containers"]]:
            yield f"{where}/{container['name']}", container


def config_map(overlay: str) -> dict[str, str]:
    """The services' settings (inagara-config; the pooler has a ConfigMap of its own)."""
    maps = [
        doc
        for doc in of_kind(overlay, "ConfigMap")
        if doc["metadata"]["name"].startswith("inagara-config")
    ]
    assert len(maps) == 1, f"{overlay}: expected one ConfigMap inagara-config, got {len(maps)}"
    data: dict[str, str] = maps[0].get("data", {})
    return data


def provided(overlay: str, container: Doc) -> dict[str, str]:
    """Every variable the container gets, and where from: ``config``, ``secret`` or ``value``."""
    sources: dict[str, str] = {}
    maps = {doc["metadata"]["name"]: doc.get("data", {}) for doc in of_kind(overlay, "ConfigMap")}
    for source in container.get("envFrom", []):
        assert "configMapRef" in source, f"envFrom other than a ConfigMap: {source}"
        name = source["configMapRef"]["name"]
        assert name in maps, f"{overlay}: envFrom names a ConfigMap that is not rendered: {name}"
        sources.update(dict.fromkeys(maps[name], "config"))
    for variable in container.get("env", []):
        value_from = variable.get("valueFrom", {})
        source = "secret" if "secretKeyRef" in value_from else "value"
        sources[variable["name"]] = "config" if "configMapKeyRef" in value_from else source
    return sources


def secret_ref(container: Doc, name: str) -> Doc | None:
    for variable in container.get("env", []):
        if variable["name"] == name:
            ref: Doc | None = variable.get("valueFrom", {}).get("secretKeyRef")
            return ref
    return None


def variables_read(read: Callable[[Mapping[str, str]], object]) -> set[str]:
    env = RecordingEnv()
    read(env)
    return env.read


def is_secret(variable: str) -> bool:
    endings = ("DATABASE_URL", "PASSWORD", "TOKEN", "SECRET_KEY", "ACCESS_KEY_ID", "ACCESS_KEY")
    return variable.endswith(endings)


def partitions() -> int:
    """The fewest partitions of a topic, as shared/events/topics.py defines them."""
    return min(spec.partitions for spec in TOPIC_SPECS)


def service_settings(service: str, environ: Mapping[str, str]) -> object | None:
    """``service``'s own settings object built from ``environ``; None when it has none."""
    if service not in SERVICE_SETTINGS:
        return None
    module, name = SERVICE_SETTINGS[service]
    settings: object = getattr(importlib.import_module(module), name).from_env(environ)
    return settings


def consumed(service: str, environ: Mapping[str, str]) -> set[tuple[str, str]]:
    """(group, topic) of every consumer of ``service``'s worker, run with ``environ``.

    From ``services.<service>.worker.CONSUMERS`` where the worker declares them there,
    else from the ``consumer_group`` and ``topics`` of the service's own settings.
    """
    worker = importlib.import_module(f"services.{service}.worker")
    if hasattr(worker, "CONSUMERS"):
        return {
            (config.group_id, topic)
            for config, _handlers in worker.CONSUMERS
            for topic in config.topics
        }
    settings = service_settings(service, environ)
    group, topics = getattr(settings, "consumer_group", None), getattr(settings, "topics", ())
    return {(group, topic) for topic in topics} if group else set()


def schema_errors(validator: jsonschema.protocols.Validator, doc: Doc) -> list[str]:
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '(top level)'}: {error.message}"
        for error in validator.iter_errors(doc)
    ]


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_built_in_kinds_follow_the_kubernetes_schemas(overlay: str, version: str) -> None:
    errors = []
    for doc in rendered(overlay):
        if doc["kind"] in KEDA_KINDS:
            continue
        where = f"{doc['kind']}/{doc['metadata']['name']}"
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            errors.append(f"{where}: {'.'.join(map(str, error.path))}: {error.message}")
        except kubernetes_validate.SchemaNotFoundError as error:
            errors.append(f"{where}: {error.message}")
    assert not errors, f"{overlay} against Kubernetes {version}:\n" + "\n".join(errors)


def test_the_kubernetes_validator_rejects_a_misspelt_field() -> None:
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "x"},
        "spec": {"ports": [{"port": 80, "targetPort": "http"}], "selectr": {}},
    }
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(service, KUBERNETES_VERSIONS[-1], strict=True)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_scaled_objects_follow_the_keda_schema(overlay: str) -> None:
    schema = json.loads(KEDA_SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    scaled = of_kind(overlay, "ScaledObject")
    assert scaled, f"{overlay} renders no ScaledObject"
    errors = [
        f"{doc['metadata']['name']}: {message}"
        for doc in scaled
        for message in schema_errors(validator, doc)
    ]
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_keda_logs_in_to_kafka_as_the_workers_do(overlay: str) -> None:
    """On a secured cluster every trigger names a rendered TriggerAuthentication that
    follows its schema; on a plaintext one none is needed."""
    validator = jsonschema.Draft202012Validator(json.loads(KEDA_AUTH_SCHEMA.read_text()))
    auths = {doc["metadata"]["name"]: doc for doc in of_kind(overlay, "TriggerAuthentication")}
    for name, doc in auths.items():
        assert not schema_errors(validator, doc), f"{name}: {schema_errors(validator, doc)}"
        parameters = {ref["parameter"] for ref in doc["spec"]["secretTargetRef"]}
        assert {"sasl", "username", "password", "tls"} <= parameters, name
        assert all(ref["name"] != SECRET_NAME for ref in doc["spec"]["secretTargetRef"]), (
            f"{name}: KEDA reads its own Secret, not the pods' {SECRET_NAME}"
        )
    secured = config_map(overlay)["KAFKA_SECURITY_PROTOCOL"] != "PLAINTEXT"
    for scaled in of_kind(overlay, "ScaledObject"):
        for trigger in scaled["spec"]["triggers"]:
            if trigger["type"] != "kafka":
                continue  # the send backlog's postgresql trigger logs in as its worker does
            ref = trigger.get("authenticationRef", {}).get("name")
            if secured:
                assert ref in auths, f"{scaled['metadata']['name']}: trigger without a login"
            else:
                assert ref is None or ref in auths


def test_the_keda_authentication_schema_rejects_an_unknown_parameter() -> None:
    validator = jsonschema.Draft202012Validator(json.loads(KEDA_AUTH_SCHEMA.read_text()))
    auth = json.loads(json.dumps(of_kind("production", "TriggerAuthentication")[0]))
    assert not schema_errors(validator, auth)
    auth["spec"]["secretTargetRef"][0]["parameter"] = "saslMechanism"
    assert schema_errors(validator, auth)


def test_the_keda_schema_rejects_a_misspelt_field() -> None:
    validator = jsonschema.Draft202012Validator(json.loads(KEDA_SCHEMA.read_text()))
    scaled = json.loads(json.dumps(of_kind("local", "ScaledObject")[0]))
    scaled["spec"]["maxReplicasCount"] = scaled["spec"].pop("maxReplicaCount")
    assert schema_errors(validator, scaled)


def service_of(where: str) -> str:
    """The service a ``Kind/name/container`` belongs to (names start with it)."""
    return where.split("/")[1].split("-")[0]


@functools.cache
def read_by(service: str) -> frozenset[str]:
    """Every variable the service's processes read: its Settings and its own settings."""
    read = variables_read(by_name(service).settings_from)
    if service in SERVICE_SETTINGS:
        read |= variables_read(lambda environ: service_settings(service, environ))
    return frozenset(read)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_setting_reaches_every_container(overlay: str) -> None:
    missing = {
        where: sorted(read_by(service_of(where)) - provided(overlay, container).keys())
        for where, container in containers(overlay)
    }
    missing = {where: names for where, names in missing.items() if names}
    assert not missing, f"{overlay}: containers lack variables Settings.from_env reads: {missing}"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_no_container_receives_a_secret_it_does_not_use(overlay: str) -> None:
    extra = {
        where: sorted(
            name
            for name, source in provided(overlay, container).items()
            if source == "secret" and name not in read_by(service_of(where))
        )
        for where, container in containers(overlay)
    }
    extra = {where: names for where, names in extra.items() if names}
    assert not extra, f"{overlay}: containers get secrets their service never reads: {extra}"


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("service", sorted(SERVICE_SETTINGS))
def test_each_service_gets_its_own_settings(overlay: str, service: str) -> None:
    wanted = variables_read(lambda environ: service_settings(service, environ))
    assert wanted, f"{SERVICE_SETTINGS[service]} no longer reads the mapping given"
    for where, spec in pod_specs(overlay):
        if not where.split("/")[1].startswith(f"{service}-"):
            continue
        for container in [*spec.get("initContainers", []), *spec["containers"]]:
            missing = wanted - provided(overlay, container).keys()
            assert not missing, f"{overlay}: {where}/{container['name']} lacks {sorted(missing)}"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_secrets_come_from_the_secret_and_never_from_the_config_map(overlay: str) -> None:
    in_config = sorted(name for name in config_map(overlay) if is_secret(name))
    assert not in_config, f"{overlay}: the ConfigMap holds secrets: {in_config}"
    example = yaml.safe_load(SECRET_EXAMPLE.read_text())
    for where, container in containers(overlay):
        for name, source in provided(overlay, container).items():
            if is_secret(name):
                assert source == "secret", f"{where}: {name} is not from a secretKeyRef"
            ref = secret_ref(container, name)
            if ref is not None:
                assert ref["name"] == SECRET_NAME, f"{where}: {name} from Secret {ref['name']}"
                assert ref["key"] in example["stringData"], (
                    f"{where}: key {ref['key']} is missing from {SECRET_EXAMPLE.name}"
                )
    assert not of_kind(overlay, "Secret"), (
        f"{overlay} renders a Secret: secrets are never committed"
    )


def test_the_secret_example_is_a_valid_secret_outside_every_kustomization() -> None:
    example = yaml.safe_load(SECRET_EXAMPLE.read_text())
    kubernetes_validate.validate(example, KUBERNETES_VERSIONS[-1], strict=True)
    assert example["metadata"]["name"] == SECRET_NAME
    including = [
        str(path.relative_to(K8S))
        for path in K8S.rglob("kustomization.yaml")
        for entry in yaml.safe_load(path.read_text()).get("resources", [])
        if entry.endswith(SECRET_EXAMPLE.name)
    ]
    assert not including, f"{SECRET_EXAMPLE.name} is part of a kustomization: {including}"


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("service", SERVICES)
def test_the_services_accept_the_config_map(overlay: str, service: str) -> None:
    # Raises SettingsError on a value the service cannot use. The Secret's keys are
    # there in a real pod (a SASL password goes with a SASL protocol): stand-ins here.
    environ = config_map(overlay) | {
        name: "from-the-secret" for name in settings_variables() if name == "KAFKA_SASL_PASSWORD"
    }
    by_name(service).settings_from(environ)
    service_settings(service, environ)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_service_uses_its_own_database(overlay: str) -> None:
    for where, spec in pod_specs(overlay):
        service = where.split("/")[1].rsplit("-", 1)[0]
        assert service in SERVICES, f"{where} is not named after a service"
        for container in [*spec.get("initContainers", []), *spec["containers"]]:
            env = {variable["name"]: variable for variable in container.get("env", [])}
            assert env.get("INAGARA_SERVICE", {}).get("value") == service, (
                f"{where}/{container['name']}: INAGARA_SERVICE is not {service}"
            )
            ref = secret_ref(container, "DATABASE_URL")
            assert ref and ref["key"] == f"{service.upper()}_DATABASE_URL", (
                f"{where}/{container['name']}: DATABASE_URL is not the Secret's "
                f"{service.upper()}_DATABASE_URL"
            )
            assert not ref.get("optional"), f"{where}: DATABASE_URL must not be optional"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_container_has_requests_and_limits(overlay: str) -> None:
    lacking = [
        where
        for where, container in containers(overlay)
        if any(
            resource not in container.get("resources", {}).get(bound, {})
            for bound in ("requests", "limits")
            for resource in ("cpu", "memory")
        )
    ]
    assert not lacking, f"{overlay}: without cpu and memory requests and limits: {lacking}"


def web_port() -> int:
    """The port deploy/docker-entrypoint.sh binds gunicorn to unless INAGARA_WEB_PORT says."""
    found = re.search(r'--bind "0\.0\.0\.0:\$\{INAGARA_WEB_PORT:-(\d+)\}"', ENTRYPOINT.read_text())
    assert found, "deploy/docker-entrypoint.sh no longer binds gunicorn to $INAGARA_WEB_PORT"
    return int(found.group(1))


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("service", SERVICES)
def test_each_web_is_probed_served_and_autoscaled(overlay: str, service: str) -> None:
    port = int(config_map(overlay).get("INAGARA_WEB_PORT", web_port()))
    deployment = named(overlay, "Deployment", f"{service}-web")
    (web,) = deployment["spec"]["template"]["spec"]["containers"]
    assert web.get("args") == ["web"], f"{service}-web does not run the entrypoint's `web`"
    ports = {entry.get("name"): entry["containerPort"] for entry in web.get("ports", [])}
    for probe, path in (
        ("readinessProbe", "/readyz?only=database"),
        ("livenessProbe", "/healthz"),
    ):
        http = web.get(probe, {}).get("httpGet", {})
        assert http.get("path") == path, f"{service}-web: {probe} is not on {path}"
        assert ports.get(http.get("port"), http.get("port")) == port, (
            f"{service}-web: {probe} is not on the port gunicorn binds ({port})"
        )
    service_doc = named(overlay, "Service", f"{service}-web")
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert service_doc["spec"]["selector"].items() <= labels.items()
    for entry in service_doc["spec"]["ports"]:
        assert ports.get(entry["targetPort"], entry["targetPort"]) == port
    hpa = named(overlay, "HorizontalPodAutoscaler", f"{service}-web")
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": f"{service}-web",
    }
    resources = [metric["resource"]["name"] for metric in hpa["spec"]["metrics"]]
    assert resources == ["cpu"], f"{service}-web scales on {resources}, not on CPU"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_autoscalers_own_the_replica_counts(overlay: str) -> None:
    pinned = [
        doc["metadata"]["name"]
        for doc in services_of_kind(overlay, "Deployment")
        if "replicas" in doc["spec"]
    ]
    assert not pinned, f"{overlay}: Deployments with replicas, reset on every apply: {pinned}"
    hpa_targets = {
        doc["spec"]["scaleTargetRef"]["name"] for doc in of_kind(overlay, "HorizontalPodAutoscaler")
    }
    keda_targets = {
        doc["spec"]["scaleTargetRef"]["name"] for doc in of_kind(overlay, "ScaledObject")
    }
    assert not hpa_targets & keda_targets, "an HPA and a ScaledObject scale the same Deployment"
    deployments = {doc["metadata"]["name"] for doc in of_kind(overlay, "Deployment")}
    assert hpa_targets | keda_targets <= deployments, "an autoscaler targets no Deployment"


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("service", SERVICES)
def test_each_worker_scales_on_its_consumer_groups_lag(overlay: str, service: str) -> None:
    worker = named(overlay, "Deployment", f"{service}-worker")
    (container,) = worker["spec"]["template"]["spec"]["containers"]
    assert container.get("args") == ["worker"], f"{service}-worker does not run `worker`"
    ports = {entry.get("name"): entry["containerPort"] for entry in container.get("ports", [])}
    assert ports.get("metrics") == int(config_map(overlay)["METRICS_PORT"]), (
        f"{service}-worker: containerPort `metrics` is not METRICS_PORT"
    )
    wanted = consumed(service, config_map(overlay))
    scaled = [
        doc
        for doc in of_kind(overlay, "ScaledObject")
        if doc["spec"]["scaleTargetRef"]["name"] == f"{service}-worker"
    ]
    if not scaled:
        assert not wanted, (
            f"{service}-worker consumes {sorted(wanted)} but no ScaledObject scales it"
        )
        return
    (doc,) = scaled
    spec = doc["spec"]
    triggers = [t["metadata"] for t in spec["triggers"] if t["type"] == "kafka"]
    have = {(trigger["consumerGroup"], trigger["topic"]) for trigger in triggers}
    assert wanted <= have, f"{service}-worker: no trigger for {sorted(wanted - have)}"
    if wanted:
        groups = {group for group, _ in wanted}
        strangers = sorted(group for group, _ in have if group not in groups)
        assert not strangers, f"{service}-worker triggers on groups it is not in: {strangers}"
    for trigger in triggers:
        assert trigger["topic"] in TOPICS, f"{service}-worker: unknown topic {trigger['topic']}"
        assert trigger["bootstrapServers"] == config_map(overlay)["KAFKA_BOOTSTRAP_SERVERS"]
        # Counting policy, not the consumer's: a group with no offsets yet on a topic (a topic
        # it does not consume yet, or before its first commit) counts 1 per partition, not
        # the whole topic, so it is not scaled to the maximum for nothing.
        assert trigger.get("offsetResetPolicy") == "latest", f"{service}-worker: {trigger}"
    # The worker also relays its outbox: it never scales to zero.
    assert 1 <= spec["minReplicaCount"] <= spec["maxReplicaCount"] <= partitions()


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_notification_worker_also_scales_on_its_send_backlog(overlay: str) -> None:
    """Lag counts events not yet recorded; the deliveries due wait in the database."""
    (doc,) = [
        d
        for d in of_kind(overlay, "ScaledObject")
        if d["spec"]["scaleTargetRef"]["name"] == "notification-worker"
    ]
    (backlog,) = [t for t in doc["spec"]["triggers"] if t["type"] == "postgresql"]
    metadata = backlog["metadata"]
    assert "FROM deliveries" in metadata["query"] and "'pending'" in metadata["query"]
    assert int(metadata["targetQueryValue"]) > 0
    assert "authenticationRef" not in backlog, "the Kafka login is not the database's"
    # KEDA reads the connection string from the scale target's container: it must be there.
    worker = named(overlay, "Deployment", "notification-worker")
    (container,) = worker["spec"]["template"]["spec"]["containers"]
    assert provided(overlay, container).get(metadata["connectionFromEnv"]) == "secret"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_disruption_budgets_select_pods_that_exist(overlay: str) -> None:
    templates = {
        doc["metadata"]["name"]: doc["spec"]["template"]["metadata"]["labels"]
        for doc in of_kind(overlay, "Deployment")
    }
    covered = set()
    for budget in of_kind(overlay, "PodDisruptionBudget"):
        selector = budget["spec"]["selector"]["matchLabels"]
        selected = {
            name for name, labels in templates.items() if selector.items() <= labels.items()
        }
        assert selected, f"PodDisruptionBudget {budget['metadata']['name']} selects no pods"
        covered |= selected
    assert covered == set(templates), f"without a PodDisruptionBudget: {set(templates) - covered}"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_database_is_migrated_before_its_processes_start(overlay: str) -> None:
    for service in SERVICES:
        assert service in MIGRATED_SERVICES, f"tools.services does not know {service}"
        command = ["python", "-m", f"services.{service}.migrations"]
        job = named(overlay, "Job", f"{service}-migrate")
        (container,) = job["spec"]["template"]["spec"]["containers"]
        assert container["args"] == command, f"{service}-migrate runs {container['args']}"
        # The Job migrates, once per release; every pod only waits until the database
        # serves its release, and never migrates itself.
        for process in ("web", "worker"):
            spec = named(overlay, "Deployment", f"{service}-{process}")["spec"]["template"]["spec"]
            init = [c.get("args") for c in spec.get("initContainers", [])]
            waits = [a for a in init if a[: len(command)] == command and "--wait" in a]
            assert waits, f"{service}-{process} starts without waiting for its schema"
            assert command not in init, f"{service}-{process} migrates in every pod"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_topics_job_creates_the_topics_of_the_one_definition(overlay: str) -> None:
    job = named(overlay, "Job", "submission-topics")
    (container,) = job["spec"]["template"]["spec"]["containers"]
    assert container["args"] == ["python", "-m", "shared.events.topics", "create"]
    assert "KAFKA_BOOTSTRAP_SERVERS" in provided(overlay, container)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_pods_run_as_non_root_on_a_read_only_root_filesystem(overlay: str) -> None:
    for where, spec in pod_specs(overlay):
        assert spec.get("securityContext", {}).get("runAsNonRoot") is True, where
        scratch = {volume["name"] for volume in spec.get("volumes", []) if "emptyDir" in volume}
        for container in [*spec.get("initContainers", []), *spec["containers"]]:
            context = container.get("securityContext", {})
            name = f"{where}/{container['name']}"
            assert context.get("readOnlyRootFilesystem") is True, name
            assert context.get("allowPrivilegeEscalation") is False, name
            assert context.get("capabilities", {}).get("drop") == ["ALL"], name
            mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
            assert mounts.get("/tmp") in scratch, f"{name}: /tmp is not a writable emptyDir"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_images_and_namespace_are_the_overlays(overlay: str) -> None:
    for where, container in containers(overlay):
        service = where.split("/")[1].split("-")[0]
        assert service in SERVICES, f"{where} is not named after a service"
        wanted = EXPECTED_IMAGE[overlay].format(service=service)
        assert container["image"].startswith(wanted), f"{where} runs {container['image']}"
    namespace = EXPECTED_NAMESPACE[overlay]
    assert [doc["metadata"]["name"] for doc in of_kind(overlay, "Namespace")] == [namespace]
    elsewhere = [
        f"{doc['kind']}/{doc['metadata']['name']}"
        for doc in rendered(overlay)
        if doc["kind"] != "Namespace" and doc["metadata"].get("namespace") != namespace
    ]
    assert not elsewhere, f"{overlay}: outside namespace {namespace}: {elsewhere}"


# -- the edge: what the ingress routes, and who may reach whom ------------------------------

OPERATIONAL = {"/metrics", "/readyz", "/healthz"}
INGRESS_NAMESPACE = "ingress-nginx"
MONITORING_NAMESPACE = "monitoring"


def _route_prefixes(service: str, tmp_path: Any) -> set[str]:
    """The first path segment of every route the service's web app serves."""
    settings = by_name(service).settings_from(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path}/{service}.db",
            "EVIDENCE_DIR": str(tmp_path),
            "INAGARA_AUTO_MIGRATE": "true",
        }
    )
    app = importlib.import_module(f"services.{service}.app").create_app(settings)
    try:
        return {"/" + str(rule.rule).strip("/").split("/")[0] for rule in app.url_map.iter_rules()}
    finally:
        app.extensions["inagara"].engine.dispose()


def _routed(service: str) -> list[tuple[str, str]]:
    """(path, pathType) of every production Ingress path that leads to the service's web."""
    return [
        (path["path"], path["pathType"])
        for ingress in of_kind("production", "Ingress")
        for rule in ingress["spec"]["rules"]
        for path in rule["http"]["paths"]
        if path["backend"]["service"]["name"] == f"{service}-web"
    ]


@pytest.mark.parametrize("service", SERVICES)
def test_the_ingress_routes_every_public_path_and_no_operational_one(
    service: str, tmp_path: Any
) -> None:
    routed = _routed(service)
    assert routed, f"the production Ingress does not route to {service}-web"
    assert ("/", "Prefix") not in routed, "a catch-all would expose /metrics and /readyz"
    paths = {path for path, _ in routed}
    public = _route_prefixes(service, tmp_path) - OPERATIONAL
    assert public <= paths, f"{service}: routes the Ingress does not reach: {public - paths}"
    assert not paths & OPERATIONAL, f"{service}: the Ingress exposes {paths & OPERATIONAL}"
    ingress = of_kind("production", "Ingress")[0]
    assert ingress["spec"]["tls"], "the Ingress terminates TLS"
    body = ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-body-size"]
    assert int(body.rstrip("m")) * 1024 * 1024 > int(
        config_map("production")["MAX_EVIDENCE_FILE_BYTES"]
    )


def _selects(selector: Doc, labels: Mapping[str, str]) -> bool:
    if any(labels.get(k) != v for k, v in selector.get("matchLabels", {}).items()):
        return False
    for expression in selector.get("matchExpressions", []):
        assert expression["operator"] == "In", "only In is understood here"
        if labels.get(expression["key"]) not in expression["values"]:
            return False
    return True


def _pod_labels(overlay: str) -> dict[str, dict[str, str]]:
    return {
        doc["metadata"]["name"]: doc["spec"]["template"]["metadata"]["labels"]
        for doc in services_of_kind(overlay, "Deployment")
    }


def _allowed(overlay: str, labels: Mapping[str, str], direction: str) -> list[Doc]:
    """The ingress or egress rules of every policy that selects the pod."""
    return [
        rule
        for policy in of_kind(overlay, "NetworkPolicy")
        if _selects(policy["spec"]["podSelector"], labels)
        and direction.capitalize() in policy["spec"]["policyTypes"]
        for rule in policy["spec"].get(direction, [])
    ]


def _ports(rule: Doc) -> set[int]:
    return {port["port"] for port in rule.get("ports", [])}


def test_network_policies_deny_by_default_and_allow_each_flow() -> None:
    policies = of_kind("production", "NetworkPolicy")
    deny = [p for p in policies if p["spec"]["podSelector"] == {} and not p["spec"].get("ingress")]
    assert any(set(p["spec"]["policyTypes"]) == {"Ingress", "Egress"} for p in deny)
    for name, labels in _pod_labels("production").items():
        egress_ports = set().union(
            *(_ports(rule) for rule in _allowed("production", labels, "egress"))
        )
        assert {53, 5432, 9092} <= egress_ports, f"{name}: no DNS, database or Kafka"
        if labels["app.kubernetes.io/component"] == "web":
            sources = [
                (
                    peer.get("namespaceSelector", {})
                    .get("matchLabels", {})
                    .get("kubernetes.io/metadata.name"),
                    8000 in _ports(rule),
                )
                for rule in _allowed("production", labels, "ingress")
                for peer in rule.get("from", [])
            ]
            assert (INGRESS_NAMESPACE, True) in sources, f"{name}: unreachable from the ingress"
        if labels["app.kubernetes.io/name"] == "notification":
            assert 587 in egress_ports and 443 in egress_ports, f"{name}: cannot send"


def _own_pods_only(peer: Doc, overlay: str) -> bool:
    """A peer that selects only Inagara's own pods in the namespace (no client runs there)."""
    if "podSelector" not in peer or "namespaceSelector" in peer:
        return False
    pods = _pod_labels(overlay).values()
    selected = [labels for labels in pods if _selects(peer["podSelector"], labels)]
    return bool(selected) and peer["podSelector"] != {}


def test_review_trusts_forwarded_headers_only_behind_its_own_proxy() -> None:
    """REVIEW_TRUST_PROXY=true is safe only if no client reaches review-web but through the
    proxy: the ingress controller, monitoring, and Inagara's own pods (reading keys)."""
    for overlay in OVERLAYS:
        if config_map(overlay).get("REVIEW_TRUST_PROXY") != "true":
            continue
        labels = _pod_labels(overlay)["review-web"]
        for rule in _allowed(overlay, labels, "ingress"):
            for peer in rule.get("from", [{}]):
                namespace = (
                    peer.get("namespaceSelector", {})
                    .get("matchLabels", {})
                    .get("kubernetes.io/metadata.name")
                )
                assert namespace in {INGRESS_NAMESPACE, MONITORING_NAMESPACE} or (
                    _own_pods_only(peer, overlay)
                ), f"{overlay}: review-web trusts X-Forwarded-For but {peer} reaches it"
        assert of_kind(overlay, "NetworkPolicy"), f"{overlay}: trusts a proxy nothing enforces"


@pytest.mark.parametrize(
    ("reader", "source"),
    [
        ("review-worker", "submission-web"),  # SUBJECT_KEYS_URL
        ("notification-worker", "submission-web"),
        ("notification-worker", "review-web"),  # OBJECTOR_KEYS_URL
        ("submission-web", "review-web"),  # a person's export, its objector part
    ],
)
def test_key_readers_reach_the_services_holding_the_keys(reader: str, source: str) -> None:
    pods = _pod_labels("production")
    port = int(config_map("production")["OBJECTOR_KEYS_URL"].rsplit(":", 1)[1])
    out = [
        rule
        for rule in _allowed("production", pods[reader], "egress")
        if port in _ports(rule)
        and any(_selects(peer.get("podSelector", {}), pods[source]) for peer in rule["to"])
    ]
    into = [
        rule
        for rule in _allowed("production", pods[source], "ingress")
        if port in _ports(rule)
        and any(
            "podSelector" in peer and _selects(peer["podSelector"], pods[reader])
            for peer in rule.get("from", [])
        )
    ]
    assert out, f"{reader} may not connect to {source}:{port}"
    assert into, f"{source} does not accept {reader} on {port}"
