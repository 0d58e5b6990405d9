"""The dependency audit's policy (deploy/audit/policy.py) on a fake PyPI: no network."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from deploy.audit.policy import (
    Assessment,
    Document,
    Ignores,
    NotAnswered,
    Package,
    Vulnerability,
    assess,
    judge,
    parse_freeze,
    parse_ignores,
    runtime_names,
)
from deploy.audit.report import render

ADVISORY = {
    "id": "PYSEC-2026-1",
    "aliases": ["CVE-2026-1", "GHSA-aaaa"],
    "fixed_in": ["2.0"],
    "link": "https://osv.dev/vulnerability/PYSEC-2026-1",
    "withdrawn": None,
}


class FakePyPI:
    """Answers the documents it holds; every other path is a 404, as behind the proxy."""

    def __init__(self, documents: Mapping[str, Document]) -> None:
        self.documents = documents

    def __call__(self, path: str) -> Document:
        if path not in self.documents:
            raise NotAnswered("404")
        return self.documents[path]


def project(latest: str, *vulnerabilities: Mapping[str, object]) -> Document:
    return {"info": {"version": latest}, "vulnerabilities": list(vulnerabilities)}


def test_the_release_entry_is_asked_first_and_describes_the_pin() -> None:
    pypi = FakePyPI({"lib/1.0/json": project("2.0", ADVISORY), "lib/json": project("2.0")})

    assessment = assess(Package("lib", "1.0"), pypi)

    assert assessment.source == "release"
    assert [v.id for v in assessment.vulnerabilities] == ["PYSEC-2026-1"]


def test_the_project_entry_stands_in_only_for_the_latest_release() -> None:
    pypi = FakePyPI({"lib/json": project("2.0", ADVISORY)})

    latest = assess(Package("lib", "2.0"), pypi)
    older = assess(Package("lib", "1.0"), pypi)

    assert (latest.source, latest.checked, len(latest.vulnerabilities)) == ("latest", True, 1)
    assert not older.checked
    assert "latest release" in older.problem and "2.0" in older.problem


def test_names_are_looked_up_canonically_and_versions_compared_as_versions() -> None:
    pypi = FakePyPI({"jsonschema-rs/json": project("0.60.3")})

    assert assess(Package("jsonschema_rs", "0.60.03"), pypi).source == "latest"


def test_withdrawn_entries_are_dropped_and_aliases_counted_once() -> None:
    withdrawn = {**ADVISORY, "id": "PYSEC-2026-2", "aliases": [], "withdrawn": "2026-01-02"}
    same_advisory = {**ADVISORY, "id": "GHSA-aaaa", "aliases": ["CVE-2026-1", "PYSEC-2026-1"]}
    pypi = FakePyPI({"lib/1.0/json": project("1.0", ADVISORY, withdrawn, same_advisory)})

    assert [v.id for v in assess(Package("lib", "1.0"), pypi).vulnerabilities] == ["PYSEC-2026-1"]


def test_an_answer_without_a_vulnerabilities_list_checks_nothing() -> None:
    pypi = FakePyPI({"lib/1.0/json": {"info": {"version": "1.0"}}})

    assert not assess(Package("lib", "1.0"), pypi).checked


def test_freeze_output_less_the_project_itself() -> None:
    freeze = (
        "Flask==3.1.3\n"
        "# Editable Git install with no remote (inagara==0.1.0)\n"
        "-e /work/main\n"
        "inagara==0.1.0\n"
        "local-thing @ file:///tmp/local_thing-1.0-py3-none-any.whl\n"
    )

    assert parse_freeze(freeze, "inagara") == [
        Package("Flask", "3.1.3"),
        Package("local-thing", ""),
    ]
    assert not assess(Package("local-thing", ""), FakePyPI({})).checked


def test_runtime_names_follow_requirements_extras_and_markers() -> None:
    metadata = {
        "inagara": [
            "flask==3.1.3",
            "psycopg[binary]==3.3.9",
            'pytest==9.2.0; extra == "test"',
        ],
        "flask": ["werkzeug>=3", 'asgiref>=3.2; extra == "async"'],
        "psycopg": ['psycopg-binary==3.3.9; extra == "binary"', 'tzdata; sys_platform == "win32"'],
        "psycopg-binary": [],
        "werkzeug": ["markupsafe>=2.1.1"],
        "markupsafe": [],
        "pytest": ["pluggy"],
    }

    names = runtime_names("inagara", metadata.get)

    assert names == {"flask", "werkzeug", "markupsafe", "psycopg", "psycopg-binary"}


def test_runtime_names_need_the_project_installed() -> None:
    with pytest.raises(LookupError):
        runtime_names("inagara", {}.get)


def test_ignore_file_entries_need_a_reason() -> None:
    ignores = parse_ignores(
        "# header\n\nPYSEC-2026-1  no fix yet; we never parse untrusted input with it (#12)\n"
        "Python_Dateutil==2.9.0.post0 reviewed: cannot be checked behind the proxy\n"
    )

    assert ignores.vulnerabilities == {
        "PYSEC-2026-1": "no fix yet; we never parse untrusted input with it (#12)"
    }
    assert ignores.unchecked == {
        "python-dateutil==2.9.0.post0": "reviewed: cannot be checked behind the proxy"
    }
    with pytest.raises(ValueError, match="line 1"):
        parse_ignores("PYSEC-2026-1\n")


VULNERABLE = Assessment(
    Package("lib", "1.0"),
    (Vulnerability("PYSEC-2026-1", ("CVE-2026-1",), ("2.0",), "https://osv.dev/x"),),
    "latest",
)
CLEAN = Assessment(Package("clean", "1.0"), (), "release")
RUNTIME_UNCHECKED = Assessment(Package("python-dateutil", "2.9.0.post0"), problem="404")
TOOLING_UNCHECKED = Assessment(Package("mpmath", "1.3.0"), problem="404")
RUNTIME = frozenset({"lib", "clean", "python-dateutil"})


def test_any_known_vulnerability_fails_unless_ignored_by_id_or_alias() -> None:
    assert not judge([VULNERABLE, CLEAN], RUNTIME, Ignores()).passed

    ignored = judge([VULNERABLE, CLEAN], RUNTIME, Ignores({"CVE-2026-1": "not reachable"}))

    assert ignored.passed
    assert ignored.findings[0].ignored_because == "not reachable"


def test_an_unchecked_runtime_dependency_fails_and_unchecked_tooling_is_only_reported() -> None:
    tooling = judge([CLEAN, TOOLING_UNCHECKED], RUNTIME, Ignores())
    runtime = judge([CLEAN, RUNTIME_UNCHECKED], RUNTIME, Ignores())

    assert tooling.passed and len(tooling.unchecked) == 1
    assert not runtime.passed
    assert "mpmath 1.3.0" in render(tooling, "ignore.txt")
    assert "AUDIT FAILED: runtime dependencies not checked: 1." in render(runtime, "ignore.txt")


def test_an_unchecked_runtime_pin_may_be_accepted_only_at_that_version() -> None:
    at_pin = Ignores(unchecked={"python-dateutil==2.9.0.post0": "reviewed"})
    other_pin = Ignores(unchecked={"python-dateutil==2.8.2": "reviewed"})

    assert judge([CLEAN, RUNTIME_UNCHECKED], RUNTIME, at_pin).passed
    assert not judge([CLEAN, RUNTIME_UNCHECKED], RUNTIME, other_pin).passed


def test_accepting_a_pin_unchecked_never_hides_a_vulnerability_found_in_it() -> None:
    accepted = Ignores(unchecked={"lib==1.0": "reviewed"})

    assert not judge([VULNERABLE], RUNTIME, accepted).passed


def test_an_audit_that_checked_nothing_fails() -> None:
    verdict = judge([TOOLING_UNCHECKED], RUNTIME, Ignores())

    assert not verdict.passed
    assert "nothing was checked" in render(verdict, "ignore.txt")
