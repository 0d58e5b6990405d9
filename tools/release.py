"""Releases: what each one promised, recorded in the repository, and what a change may do.

A release is a git tag: ``<service>-v<version>`` for a service (its distribution's
version, ``services/<service>/pyproject.toml``) and ``events-v<version>`` for the event
catalog (``CATALOG_VERSION``). The checks never read tags (a clone may have none):
``releases/releases.toml`` records each release (tag, commit, version) and
``releases/<tag>/`` holds the contract it shipped, taken from the commit with
``git show``:

- ``events-v*``: ``asyncapi.json`` and each event's JSON Schema, ``events/<type>.v<N>.json``;
- ``<service>-v*``: ``openapi.json`` and ``events.json`` (the dataschemas it emits and reads).

Usage::

    python -m tools.release snapshot <tag> [--commit SHA]   # record a release
    python -m tools.release check                           # the current tree against them
    python -m tools.release list
    python -m tools.release build <service>                 # its last release, in .venv-releases/
"""

from __future__ import annotations

import argparse
import importlib
import json
import subprocess
import sys
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tools.apidocs import render
from tools.contracts import Document, event_changes, openapi_changes

ROOT = Path(__file__).resolve().parent.parent
RELEASES = ROOT / "releases"
INDEX = RELEASES / "releases.toml"
EVENTS = "events"
# tools.services.NAMES, without imports, less results: it has no release yet (its first
# snapshot, results-v0.1.0, adds it here).
SERVICE_NAMES = ("submission", "review", "notification")

HEADER = """\
# Every release of Inagara (docs/OPERATE.md: Releases), oldest first: its tag, the commit
# the tag points at, the component and its version. Written by
# `python -m tools.release snapshot <tag>`; releases/<tag>/ holds the contract it shipped.
# The checks read this file and those folders, never the git tags.
"""


@dataclass(frozen=True)
class Release:
    tag: str
    component: str  # "events" or a service name
    version: str
    commit: str

    @property
    def folder(self) -> Path:
        return RELEASES / self.tag


def component_of(tag: str) -> tuple[str, str]:
    """``review-v0.2.0`` -> ("review", "0.2.0"); raises ``ValueError`` for another shape."""
    component, sep, version = tag.rpartition("-v")
    if not sep or component not in (EVENTS, *SERVICE_NAMES) or not version:
        raise ValueError(f"{tag}: a release tag is <service>-v<version> or events-v<version>")
    return component, version


def load_index(path: Path = INDEX) -> list[Release]:
    if not path.exists():
        return []
    entries = tomllib.loads(path.read_text(encoding="utf-8")).get("release", [])
    return [Release(**entry) for entry in entries]


def write_index(releases: Sequence[Release], path: Path = INDEX) -> None:
    blocks = [
        f'[[release]]\ntag = "{r.tag}"\ncomponent = "{r.component}"\n'
        f'version = "{r.version}"\ncommit = "{r.commit}"\n'
        for r in releases
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + "\n" + "\n".join(blocks), encoding="utf-8")


def latest(releases: Sequence[Release]) -> dict[str, Release]:
    """The last release of each component (the index is in release order)."""
    return {release.component: release for release in releases}


# -- reading a contract out of an AsyncAPI document ------------------------------------


def _message_id(reference: Mapping[str, str]) -> str:
    return reference["$ref"].rsplit("/", 1)[1].replace("~1", "/").replace("~0", "~")


def dataschema_of(asyncapi: Document, message_id: str) -> str | None:
    message = asyncapi["components"]["messages"][message_id]
    const: str | None = message["headers"]["properties"].get("ce_dataschema", {}).get("const")
    return const


def event_schemas(asyncapi: Document) -> dict[str, Document]:
    """Each dataschema's payload as a self-contained JSON Schema (its ``$defs``)."""
    components = asyncapi["components"]["schemas"]
    out: dict[str, Document] = {}
    for message_id in asyncapi["components"]["messages"]:
        dataschema = dataschema_of(asyncapi, message_id)
        if dataschema is None:
            continue  # the dead letter: bytes, no schema
        name = _message_id(asyncapi["components"]["messages"][message_id]["payload"])
        wanted, pending = set(), [name]
        while pending:
            current = pending.pop()
            if current not in wanted:
                wanted.add(current)
                text = json.dumps(components[current])
                pending += [
                    part.split('"', 1)[0] for part in text.split('"#/components/schemas/')[1:]
                ]
        defs = {n: components[n] for n in sorted(wanted)}
        text = json.dumps(defs).replace('"#/components/schemas/', '"#/$defs/')
        out[dataschema] = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": dataschema,
            "$ref": f"#/$defs/{name}",
            "$defs": json.loads(text),
        }
    return out


def _operations(asyncapi: Document, action: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for operation_id, operation in asyncapi["operations"].items():
        service = operation_id.split(".", 1)[0]
        if operation["action"] != action or operation["channel"]["$ref"].endswith(".dlq"):
            continue
        found = (dataschema_of(asyncapi, _message_id(m)) for m in operation["messages"])
        out.setdefault(service, [])
        out[service] += [d for d in found if d]
    return {service: sorted(set(found)) for service, found in out.items()}


def emitted(asyncapi: Document) -> dict[str, list[str]]:
    """Each service's dataschemas it publishes (its ``send`` operation)."""
    return _operations(asyncapi, "send")


def read(asyncapi: Document) -> dict[str, list[str]]:
    """Each service's dataschemas its worker handles (its ``receive`` operations)."""
    return _operations(asyncapi, "receive")


# -- taking a snapshot from a commit -----------------------------------------------------


def git_show(commit: str, path: str) -> str:
    done = subprocess.run(
        ["git", "show", f"{commit}:{path}"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(
            f"git show {commit}:{path} failed: {done.stderr.strip()}. The release's commit must "
            "be in this clone (a full clone has it; a shallow one: git fetch --unshallow)."
        )
    return done.stdout


def resolve_commit(ref: str) -> str:
    done = subprocess.run(
        ["git", "rev-parse", "--verify", f"{ref}^{{commit}}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{ref}: no such tag or commit here ({done.stderr.strip()})")
    return done.stdout.strip()


def released_files(component: str, commit: str) -> tuple[str, dict[str, str]]:
    """The version at ``commit`` and the files of ``component``'s snapshot (path -> text)."""
    asyncapi = json.loads(git_show(commit, "docs/asyncapi.json"))
    if component == EVENTS:
        files = {"asyncapi.json": render(asyncapi)}
        for dataschema, schema in event_schemas(asyncapi).items():
            files[f"events/{event_file(dataschema)}"] = render(schema)
        return str(asyncapi["info"]["version"]), files
    pyproject = tomllib.loads(git_show(commit, f"services/{component}/pyproject.toml"))
    contract = {
        "emits": emitted(asyncapi).get(component, []),
        "reads": read(asyncapi).get(component, []),
    }
    files = {
        "openapi.json": git_show(commit, f"docs/openapi/{component}.json"),
        "events.json": render(contract),
    }
    return str(pyproject["project"]["version"]), files


def event_file(dataschema: str) -> str:
    """``urn:inagara:event:proposal.submitted:v1`` -> ``proposal.submitted.v1.json``."""
    *_, type_, version = dataschema.split(":")
    return f"{type_}.{version}.json"


def snapshot(tag: str, commit: str | None = None) -> Release:
    try:
        component, version = component_of(tag)
    except ValueError as exc:
        raise SystemExit(str(exc)) from None
    sha = resolve_commit(commit or tag)
    found, files = released_files(component, sha)
    if found != version:
        raise SystemExit(f"{tag}: the commit {sha[:12]} carries {component} version {found}")
    release = Release(tag, component, version, sha)
    for name, text in files.items():
        path = release.folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    others = [r for r in load_index() if r.tag != tag]
    write_index([*others, release])
    return release


# -- the current tree --------------------------------------------------------------------


@dataclass(frozen=True)
class Contract:
    """What one side (a release, or the working tree) promises."""

    events: dict[str, Document]  # dataschema -> JSON Schema
    openapi: dict[str, Document]  # service -> OpenAPI document
    emits: dict[str, list[str]]  # service -> dataschemas it publishes
    reads: dict[str, list[str]]  # service -> dataschemas it handles


def released_contract(releases: Sequence[Release] | None = None) -> tuple[Contract, list[str]]:
    """The last release of each component, read from ``releases/``, and their tags."""
    last = latest(load_index() if releases is None else releases)
    events: dict[str, Document] = {}
    if EVENTS in last:
        for path in sorted((last[EVENTS].folder / "events").glob("*.json")):
            schema = json.loads(path.read_text(encoding="utf-8"))
            events[schema["$id"]] = schema
    openapi, emits, reads = {}, {}, {}
    for name in SERVICE_NAMES:
        if name not in last:
            continue
        folder = last[name].folder
        openapi[name] = json.loads((folder / "openapi.json").read_text(encoding="utf-8"))
        contract = json.loads((folder / "events.json").read_text(encoding="utf-8"))
        emits[name], reads[name] = contract["emits"], contract["reads"]
    return Contract(events, openapi, emits, reads), [r.tag for r in last.values()]


def declared_reads() -> dict[str, list[str]]:
    """Each service's ``consumers.READS``: its declaration of what it reads."""
    from shared.events.catalog import declared

    return {
        name: sorted(declared(importlib.import_module(f"services.{name}.consumers").READS))
        for name in SERVICE_NAMES
    }


def current_contract(catalog: Mapping[str, Any] | None = None) -> Contract:
    """The working tree's contract, built from the code (as ``make docs`` would)."""
    from tools import asyncapi as asyncapi_tool
    from tools import openapi as openapi_tool
    from tools.services import SERVICES

    document = (
        asyncapi_tool.build_document()
        if catalog is None
        else asyncapi_tool.build_document(catalog=catalog)
    )
    document = json.loads(render(document))
    return Contract(
        events=event_schemas(document),
        openapi={s.name: openapi_tool.build_document(s) for s in SERVICES},
        emits=emitted(document),
        reads=declared_reads(),
    )


# -- the checks ------------------------------------------------------------------------


def _readers(reads: Mapping[str, list[str]], dataschema: str) -> list[str]:
    return sorted(service for service, found in reads.items() if dataschema in found)


def _type_of(dataschema: str) -> str:
    return dataschema.split(":")[3]


def consumer_findings(released: Contract, current: Contract) -> list[str]:
    """Versions a released consumer needs and a producer stopped emitting, and versions a
    released producer emits (in the topics, in the dead-letter topics) that a current
    consumer of that event type no longer handles."""
    findings = []
    now_emitted = {d for found in current.emits.values() for d in found}
    for service, needs in sorted(released.reads.items()):
        for dataschema in needs:
            if dataschema not in now_emitted:
                findings.append(
                    f"{dataschema}: the released {service} consumer reads it, "
                    "and no producer emits it any more"
                )
    for producer, sent in sorted(released.emits.items()):
        for dataschema in sent:
            for consumer, handles in sorted(current.reads.items()):
                reads_type = any(_type_of(d) == _type_of(dataschema) for d in handles)
                if reads_type and dataschema not in handles:
                    findings.append(
                        f"{dataschema}: {consumer} no longer reads it, and the released "
                        f"{producer} emits it (records in the topic and its dead-letter topic)"
                    )
    return findings


def removed_versions(released: Contract, current: Contract) -> list[str]:
    """A dataschema gone from the catalog while someone still reads it."""
    findings = []
    for dataschema in sorted(released.events.keys() - current.events.keys()):
        readers = sorted(
            set(_readers(released.reads, dataschema)) | set(_readers(current.reads, dataschema))
        )
        if readers:
            findings.append(
                f"{dataschema}: removed from the catalog while {', '.join(readers)} read it"
            )
    return findings


def check(released: Contract, current: Contract) -> list[str]:
    """Every reason the current tree cannot ship beside the last releases (empty: it can)."""
    readers = {d for found in [*released.reads.values(), *current.reads.values()] for d in found}
    findings = [
        finding
        for finding in event_changes(released.events, current.events)
        # An enum may widen where every consumer tolerates it: vacuously, where none reads.
        if finding.split(": ", 1)[0] in readers or " widened its enum " not in finding
    ]
    findings += removed_versions(released, current)
    findings += consumer_findings(released, current)
    for service, document in sorted(released.openapi.items()):
        findings += openapi_changes(document, current.openapi[service], service)
    return findings


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.release", description=__doc__.split("\n")[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    take = commands.add_parser("snapshot", help="record a release: its contract from git")
    take.add_argument("tag", help="<service>-v<version> or events-v<version>")
    take.add_argument("--commit", help="the commit (default: the tag's)")
    commands.add_parser("check", help="the current tree against the last releases")
    commands.add_parser("list", help="the recorded releases")
    build = commands.add_parser("build", help="a service's last release, into .venv-releases/")
    build.add_argument("service", choices=SERVICE_NAMES)
    args = parser.parse_args(argv)
    if args.command == "snapshot":
        release = snapshot(args.tag, args.commit)
        print(
            f"recorded {release.tag} ({release.commit[:12]}) in {release.folder.relative_to(ROOT)}"
        )
        return 0
    if args.command == "build":
        from tools.release_env import build as build_env
        from tools.release_env import last_release

        env = build_env(last_release(args.service))
        print(f"{env.release.tag}: {env.python} (run with PYTHONSAFEPATH=1)")
        return 0
    if args.command == "list":
        for release in load_index():
            print(f"{release.tag:28} {release.commit[:12]}")
        return 0
    released, tags = released_contract()
    findings = check(released, current_contract())
    for finding in findings:
        print(finding, file=sys.stderr)
    print(f"against {', '.join(tags) or 'no release'}: {len(findings)} breaking change(s)")
    return 1 if findings else 0


if __name__ == "__main__":
    raise SystemExit(main())
