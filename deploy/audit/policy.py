"""What the audit concludes, with no I/O of its own.

PyPI's JSON API carries a ``vulnerabilities`` list (OSV entries: id, aliases,
fixed_in, link, withdrawn) in two documents: ``<name>/<version>/json`` for that
release, and ``<name>/json`` for the project's latest release (``info.version``).
A package is checked by the first; when that does not answer, by the second only
if it describes exactly the installed release. Otherwise it is not checked.

PyPI gives no severity, so any known vulnerability fails the audit: stricter
than failing on high severity only. An unchecked package fails it when the
services need it at run time (what ``pip install .`` without extras installs),
and is only reported when nothing but test, local or bench tooling needs it.
An audit that checked nothing fails: it never says "no known vulnerabilities"
about packages it did not check.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

Document = Mapping[str, Any]


class NotAnswered(Exception):
    """PyPI gave no usable answer for one document (404, timeout, refused, not JSON)."""


# Reads one document, named by its path under https://pypi.org/pypi/ (e.g. "ecdsa/json").
Fetch = Callable[[str], Document]
# A distribution's Requires-Dist lines as installed; None when it is not installed.
Requires = Callable[[str], Iterable[str] | None]


@dataclass(frozen=True)
class Package:
    name: str
    version: str  # empty when not installed as a release (e.g. from a URL)

    @property
    def key(self) -> str:
        return canonicalize_name(self.name)

    def __str__(self) -> str:
        return f"{self.name} {self.version}".strip()


@dataclass(frozen=True)
class Vulnerability:
    id: str
    aliases: tuple[str, ...] = ()
    fixed_in: tuple[str, ...] = ()
    link: str = ""

    @property
    def names(self) -> frozenset[str]:
        return frozenset((self.id, *self.aliases))


@dataclass(frozen=True)
class Assessment:
    """What the feed says about one installed release, or why it could not say."""

    package: Package
    vulnerabilities: tuple[Vulnerability, ...] = ()
    source: str = ""  # "release" or "latest": the document that answered
    problem: str = ""  # why the package was not checked; empty when it was

    @property
    def checked(self) -> bool:
        return not self.problem


def parse_freeze(text: str, project: str) -> list[Package]:
    """The packages ``pip freeze --exclude-editable`` lists, less ``project`` itself."""
    packages = []
    for line in (raw.strip() for raw in text.splitlines()):
        if not line or line.startswith(("#", "-")):
            continue
        name, pinned, version = line.partition("==")
        name = name.split(" @ ")[0].strip()
        if canonicalize_name(name) != canonicalize_name(project):
            packages.append(Package(name, version.strip() if pinned else ""))
    return packages


def assess(package: Package, fetch: Fetch) -> Assessment:
    """Blocks on one or two fetches; a document that does not answer becomes a problem."""
    if not package.version:
        return Assessment(package, problem="not installed as a release from PyPI")
    release = _answer(fetch, f"{package.key}/{package.version}/json")
    if not isinstance(release, str):
        return _checked(package, release, "release")
    project = _answer(fetch, f"{package.key}/json")
    if isinstance(project, str):
        return Assessment(package, problem=f"PyPI did not answer ({release}; {project})")
    latest = str(project.get("info", {}).get("version", ""))
    if not same_version(latest, package.version):
        return Assessment(
            package,
            problem=f"its release's entry did not answer ({release}) and the latest "
            f"release, the only one the project's entry describes, is {latest}",
        )
    return _checked(package, project, "latest")


def _answer(fetch: Fetch, path: str) -> Document | str:
    try:
        return fetch(path)
    except NotAnswered as missing:
        return f"{path}: {missing}"


def _checked(package: Package, document: Document, source: str) -> Assessment:
    if not isinstance(document.get("vulnerabilities"), list):
        return Assessment(package, problem=f"PyPI's {source} entry has no vulnerabilities list")
    return Assessment(package, tuple(in_force(document["vulnerabilities"])), source)


def in_force(entries: Iterable[Mapping[str, Any]]) -> Iterator[Vulnerability]:
    """One vulnerability per advisory: withdrawn entries dropped, aliases of a kept one skipped."""
    seen: set[str] = set()
    for entry in entries:
        if entry.get("withdrawn"):
            continue
        vulnerability = Vulnerability(
            id=str(entry["id"]),
            aliases=tuple(entry.get("aliases") or ()),
            fixed_in=tuple(entry.get("fixed_in") or ()),
            link=str(entry.get("link") or ""),
        )
        if not vulnerability.names & seen:
            seen |= vulnerability.names
            yield vulnerability


def same_version(a: str, b: str) -> bool:
    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return a == b


def runtime_names(project: str, requires: Requires) -> frozenset[str]:
    """Canonical names of what installing ``project`` without extras brings in.

    Walks the installed metadata from the project's own requirements, following
    the extras each requirement asks for (``psycopg[binary]``) and evaluating
    markers for this interpreter. Raises LookupError when ``project`` is not installed.
    """
    if requires(project) is None:
        raise LookupError(f"{project} is not installed")
    wanted: dict[str, frozenset[str]] = {}
    todo = [(project, frozenset[str]())]
    while todo:
        name, extras = todo.pop()
        for requirement in _applicable(requires(name) or (), extras):
            key = canonicalize_name(requirement.name)
            known = wanted.get(key)
            if known is None or not set(requirement.extras) <= known:
                wanted[key] = (known or frozenset()) | requirement.extras
                todo.append((key, wanted[key]))
    return frozenset(wanted) - {canonicalize_name(project)}


def _applicable(lines: Iterable[str], extras: frozenset[str]) -> Iterator[Requirement]:
    for line in lines:
        requirement = Requirement(line)
        marker = requirement.marker
        if marker is None or any(marker.evaluate({"extra": e}) for e in extras | {""}):
            yield requirement


@dataclass(frozen=True)
class Ignores:
    """Entries of the committed ignore file, each with the reason written beside it."""

    vulnerabilities: Mapping[str, str] = field(default_factory=dict)  # id or alias: reason
    unchecked: Mapping[str, str] = field(default_factory=dict)  # "name==version": reason


def parse_ignores(text: str) -> Ignores:
    """``<id> <reason>`` or ``<name>==<version> <reason>`` a line; ``#`` starts a comment line.

    Raises ValueError on an entry without a reason.
    """
    vulnerabilities: dict[str, str] = {}
    unchecked: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        entry, *reason = raw.split(maxsplit=1)
        if not reason:
            raise ValueError(f"line {number}: {entry} has no reason written beside it")
        name, pinned, version = entry.partition("==")
        if pinned:
            unchecked[f"{canonicalize_name(name)}=={version}"] = reason[0].strip()
        else:
            vulnerabilities[entry] = reason[0].strip()
    return Ignores(vulnerabilities, unchecked)


@dataclass(frozen=True)
class Finding:
    package: Package
    vulnerability: Vulnerability
    ignored_because: str = ""


@dataclass(frozen=True)
class Unchecked:
    assessment: Assessment
    runtime: bool
    accepted_because: str = ""

    @property
    def fails(self) -> bool:
        return self.runtime and not self.accepted_because


@dataclass(frozen=True)
class Verdict:
    total: int
    checked_by: Mapping[str, int]  # source ("release", "latest"): packages checked by it
    findings: tuple[Finding, ...]
    unchecked: tuple[Unchecked, ...]

    @property
    def checked(self) -> int:
        return sum(self.checked_by.values())

    @property
    def vulnerable(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if not f.ignored_because)

    @property
    def failing_unchecked(self) -> tuple[Unchecked, ...]:
        return tuple(u for u in self.unchecked if u.fails)

    @property
    def passed(self) -> bool:
        return self.checked > 0 and not self.vulnerable and not self.failing_unchecked


def judge(assessments: Sequence[Assessment], runtime: frozenset[str], ignores: Ignores) -> Verdict:
    checked = [a for a in assessments if a.checked]
    findings = tuple(
        Finding(a.package, v, _ignored_because(v, ignores))
        for a in checked
        for v in a.vulnerabilities
    )
    unchecked = tuple(
        Unchecked(
            a,
            runtime=a.package.key in runtime,
            accepted_because=ignores.unchecked.get(f"{a.package.key}=={a.package.version}", ""),
        )
        for a in assessments
        if not a.checked
    )
    sources = ("release", "latest")
    checked_by = {s: sum(1 for a in checked if a.source == s) for s in sources}
    return Verdict(len(assessments), checked_by, findings, unchecked)


def _ignored_because(vulnerability: Vulnerability, ignores: Ignores) -> str:
    reasons = (ignores.vulnerabilities.get(name) for name in sorted(vulnerability.names))
    return next((reason for reason in reasons if reason), "")
