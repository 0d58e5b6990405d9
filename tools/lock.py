"""The lock files with hashes: ``python -m tools.lock`` (``make lock``), from the repository root.

Every dependency is declared once, pinned, in a pyproject.toml (shared/, services/<name>/, the
workspace's extras). This tool writes from them one input per install in requirements/ and
resolves each with pip-tools (``pip-compile --generate-hashes``) into a ``.lock``: every
package, transitive ones too, at one version with the sha256 of each of its published files.

- ``build.lock``: what builds the project's own wheels (the ``[build-system]`` requirements)
  and pip itself; an image's builder stage and ``make install`` build with these only
  (``--no-build-isolation``).
- ``<service>.lock``: one service image's runtime, the backbone's dependencies and the
  service's (deploy/Dockerfile installs it with ``--require-hashes``).
- ``dev.lock``: the workspace (``make install``, CI): every runtime dependency, the ``local``
  and ``test`` extras, the build requirements and pip-tools (this tool's resolver).
- ``bench.lock``: ``make bench``'s extra (charts), within dev.lock's versions.

The project's own distributions (``inagara-*``) are never in a lock: they are installed from
the working tree with ``--no-deps`` after the lock. tests/unit/test_lock.py fails when an input
is not what the pyproject files say or a pin of theirs is missing from its lock; then run
``make lock`` (it needs the package index). Resolved for CPython 3.11 on Linux, the images'
and CI's Python; the hashes cover every file of a version, so any platform's wheel verifies.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REQUIREMENTS = ROOT / "requirements"
SERVICES = ("submission", "review", "notification", "results")
OWN = re.compile(r"^inagara(-[a-z]+)?\b")
# Resolved besides the pyproject files' pins: pip itself (the installer of every lock) and
# pip-tools (this tool), unpinned so that `make lock` takes their newest release.
INSTALLER = ("pip",)
RESOLVER = ("pip-tools",)
HEADER = (
    "# Written by `make lock` (python -m tools.lock) from the pyproject.toml files: do not edit.\n"
)


def _pyproject(folder: str) -> dict[str, object]:
    with open(ROOT / folder / "pyproject.toml", "rb") as file:
        return tomllib.load(file)


def _requirements(items: object) -> list[str]:
    assert isinstance(items, list)
    return [str(item) for item in items if not OWN.match(str(item))]


def dependencies(folder: str) -> list[str]:
    """The third-party runtime dependencies a distribution declares (its own packages left out)."""
    project = _pyproject(folder)["project"]
    assert isinstance(project, dict)
    return _requirements(project.get("dependencies", []))


def extra(name: str) -> list[str]:
    """One optional-dependency group of the workspace (pyproject.toml at the root)."""
    project = _pyproject(".")["project"]
    assert isinstance(project, dict)
    return _requirements(project["optional-dependencies"][name])


def build_requirements() -> list[str]:
    """Every distribution's ``[build-system] requires``, once each."""
    found: list[str] = []
    for folder in (".", "shared", *(f"services/{name}" for name in SERVICES), "clients/python"):
        system = _pyproject(folder)["build-system"]
        assert isinstance(system, dict)
        for requirement in _requirements(system["requires"]):
            if requirement not in found:
                found.append(requirement)
    return found


def _section(title: str, requirements: list[str]) -> str:
    return f"# {title}\n" + "".join(f"{r}\n" for r in requirements)


def inputs() -> dict[str, str]:
    """The text of each requirements/<name>.in, as the pyproject files say it."""
    backbone = dependencies("shared")
    # dev first: every other lock is constrained by it, so an image runs the versions CI tested.
    texts: dict[str, str] = {}
    constrained = HEADER + "-c dev.lock\n"
    for service in SERVICES:
        texts[service] = (
            constrained
            + _section("shared/pyproject.toml", backbone)
            + _section(f"services/{service}/pyproject.toml", dependencies(f"services/{service}"))
        )
    runtime: list[str] = []
    for service in SERVICES:
        runtime += [r for r in dependencies(f"services/{service}") if r not in runtime]
    dev = (
        HEADER
        + _section("shared/pyproject.toml", backbone)
        + _section("services/*/pyproject.toml", runtime)
        + _section("clients/python/pyproject.toml", dependencies("clients/python"))
        + _section("pyproject.toml [local]", extra("local"))
        + _section("pyproject.toml [test]", extra("test"))
        + _section(
            "build requirements and the resolver", [*INSTALLER, *build_requirements(), *RESOLVER]
        )
    )
    build = constrained + _section("build requirements", [*INSTALLER, *build_requirements()])
    bench = constrained + _section("pyproject.toml [bench]", extra("bench"))
    return {"dev": dev, "build": build, **texts, "bench": bench}


def compile_lock(name: str, upgrade: bool) -> None:
    """Resolve requirements/<name>.in into <name>.lock with pip-compile (needs the index)."""
    command = [
        sys.executable, "-m", "piptools", "compile", "--quiet", "--generate-hashes",
        "--allow-unsafe", "--strip-extras", "--no-emit-index-url", "--no-emit-find-links",
        "--no-emit-trusted-host", "--resolver=backtracking",
        "--output-file", f"{name}.lock", f"{name}.in",
    ]  # fmt: skip
    if upgrade:
        command.insert(4, "--upgrade")
    # From inside requirements/ so that the lock's "via -r" comments name the files plainly.
    env = {**os.environ, "CUSTOM_COMPILE_COMMAND": "make lock"}
    subprocess.run(command, check=True, cwd=REQUIREMENTS, env=env)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upgrade", action="store_true", help="take the newest allowed versions")
    args = parser.parse_args(argv)
    REQUIREMENTS.mkdir(exist_ok=True)
    texts = inputs()
    for name, text in texts.items():
        (REQUIREMENTS / f"{name}.in").write_text(text)
    for name in texts:
        print(f"lock: requirements/{name}.lock", flush=True)
        compile_lock(name, args.upgrade)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
