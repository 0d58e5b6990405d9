"""The lock files are in step with the pyproject files, and the installs use them with hashes.

requirements/*.in are written from the pyproject files by ``make lock`` (tools/lock.py) and
resolved into requirements/*.lock. A pin changed in a pyproject.toml without ``make lock``
fails here, before an image or CI installs something nobody resolved.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.unit.schema_files import REPO_ROOT
from tools import lock

REQUIREMENTS = REPO_ROOT / "requirements"
LOCKS = sorted(lock.inputs())
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")


def locked(name: str) -> dict[str, tuple[str, list[str]]]:
    """Package -> (version, hashes) of requirements/<name>.lock."""
    entries: dict[str, tuple[str, list[str]]] = {}
    current = ""
    for line in (REQUIREMENTS / f"{name}.lock").read_text().splitlines():
        if match := PIN.match(line):
            current = canonicalize_name(match.group(1))
            entries[current] = (match.group(2), [])
        elif line.strip().startswith("--hash=sha256:") and current:
            entries[current][1].append(line.strip().removeprefix("--hash=sha256:").rstrip(" \\"))
        elif line and not line.startswith(" "):
            current = ""
    return entries


def requirements_of(text: str) -> list[Requirement]:
    return [
        Requirement(line)
        for line in text.splitlines()
        if line.strip() and not line.startswith(("#", "-"))
    ]


@pytest.mark.parametrize("name", LOCKS)
def test_each_input_is_what_the_pyproject_files_say(name: str) -> None:
    written = (REQUIREMENTS / f"{name}.in").read_text()
    assert written == lock.inputs()[name], f"requirements/{name}.in is stale: run `make lock`"


@pytest.mark.parametrize("name", LOCKS)
def test_each_pin_of_an_input_is_in_its_lock_at_that_version_with_hashes(name: str) -> None:
    entries = locked(name)
    assert entries, f"requirements/{name}.lock pins nothing"
    for requirement in requirements_of(lock.inputs()[name]):
        key = canonicalize_name(requirement.name)
        assert key in entries, f"{requirement} is not in requirements/{name}.lock: run `make lock`"
        version, _ = entries[key]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"requirements/{name}.lock has {key}=={version}, the pyproject files say "
            f"{requirement}: run `make lock`"
        )
    unhashed = [key for key, (_, hashes) in entries.items() if not hashes]
    assert not unhashed, f"requirements/{name}.lock has packages without hashes: {unhashed}"
    assert all(re.fullmatch(r"[0-9a-f]{64}", h) for _, hashes in entries.values() for h in hashes)


@pytest.mark.parametrize("name", [n for n in LOCKS if n != "dev"])
def test_every_lock_agrees_with_the_one_ci_tests(name: str) -> None:
    """An image runs the versions CI tested: each lock is constrained by dev.lock."""
    dev = locked("dev")
    differing = {
        key: (version, dev[key][0])
        for key, (version, _) in locked(name).items()
        if key in dev and dev[key][0] != version
    }
    assert not differing, f"requirements/{name}.lock differs from dev.lock: {differing}"


def test_no_own_distribution_is_locked() -> None:
    for name in LOCKS:
        own = [key for key in locked(name) if key.startswith("inagara")]
        assert not own, f"requirements/{name}.lock holds the project's own {own}"


def test_every_build_backend_is_recent_enough_for_the_spdx_licence_field() -> None:
    """``license = "Apache-2.0"`` (PEP 639) needs setuptools 77 or later."""
    for requirement in map(Requirement, lock.build_requirements()):
        if canonicalize_name(requirement.name) == "setuptools":
            assert not requirement.specifier.contains("76.9"), requirement
            assert requirement.specifier.contains("77.0")
    version = locked("build")["setuptools"][0]
    assert int(version.split(".")[0]) >= 77


def test_the_installs_take_the_locks_with_hashes() -> None:
    makefile = (REPO_ROOT / "Makefile").read_text()
    assert "--require-hashes --no-deps -r requirements/dev.lock" in makefile
    assert "--no-deps --no-build-isolation $(EDITABLE)" in makefile
    dockerfile = (REPO_ROOT / "deploy" / "Dockerfile").read_text()
    assert "--require-hashes --no-deps -r requirements/build.lock" in dockerfile
    assert '-r "requirements/${INAGARA_SERVICE}.lock"' in dockerfile
    # Every pip install in the image is from a lock with hashes or of the local wheels only.
    for line in dockerfile.splitlines():
        if "pip install" in line:
            assert "--require-hashes" in line or "--no-index" in line, line


def test_the_base_image_is_pinned_by_digest() -> None:
    dockerfile = (REPO_ROOT / "deploy" / "Dockerfile").read_text()
    base = re.search(r"^ARG PYTHON_IMAGE=(\S+)$", dockerfile, re.M)
    assert base, "deploy/Dockerfile names no PYTHON_IMAGE"
    assert re.fullmatch(r"python:[\w.-]+@sha256:[0-9a-f]{64}", base.group(1)), base.group(1)


def test_the_lock_files_exist_for_each_service_image() -> None:
    services = sorted(p.parent.name for p in (REPO_ROOT / "services").glob("*/pyproject.toml"))
    assert sorted(lock.SERVICES) == services
    for service in services:
        assert Path(REQUIREMENTS / f"{service}.lock").is_file()
