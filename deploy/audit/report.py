"""The audit's verdict as text: what fails first, what was not checked loudly, then one last line."""

from __future__ import annotations

from deploy.audit.policy import Finding, Unchecked, Verdict


def render(verdict: Verdict, ignore_file: str) -> str:
    lines = [
        f"Dependency audit: {verdict.total} installed packages against PyPI's vulnerability feed",
        f"  checked: {verdict.checked} ({verdict.checked_by.get('release', 0)} by their release's"
        f" entry, {verdict.checked_by.get('latest', 0)} by the latest release's entry);"
        f" not checked: {len(verdict.unchecked)}",
    ]
    if verdict.findings:
        lines += ["", *(_finding(f) for f in verdict.findings)]
    if verdict.unchecked:
        lines += ["", "================ NOT CHECKED ================"]
        lines += [_unchecked(u) for u in sorted(verdict.unchecked, key=lambda u: not u.fails)]
    if verdict.failing_unchecked:
        lines.append(
            f"  A runtime dependency not checked fails the audit. Where it truly cannot be checked,"
            f" a reviewer may accept that exact pin in {ignore_file} (`<name>==<version> <reason>`)."
        )
    return "\n".join([*lines, "", _conclusion(verdict)])


def _finding(finding: Finding) -> str:
    v = finding.vulnerability
    aliases = f" ({', '.join(v.aliases)})" if v.aliases else ""
    fixed = ", ".join(v.fixed_in) or "no fixed release"
    line = f"{v.id}{aliases} in {finding.package}; fixed in: {fixed}; {v.link}"
    if finding.ignored_because:
        return f"IGNORED     {line}\n            because: {finding.ignored_because}"
    return f"VULNERABLE  {line}"


def _unchecked(unchecked: Unchecked) -> str:
    a = unchecked.assessment
    if unchecked.accepted_because:
        kind = f"runtime dependency, accepted unchecked: {unchecked.accepted_because}"
    elif unchecked.runtime:
        kind = "runtime dependency: FAILS the audit"
    else:
        kind = "test/local/bench tooling only: reported, not failing"
    return f"{a.package} [{kind}]\n    {a.problem}"


def _conclusion(verdict: Verdict) -> str:
    if not verdict.checked:
        return (
            f"AUDIT FAILED: PyPI's feed answered for none of the {verdict.total} packages;"
            " nothing was checked."
        )
    problems = []
    if verdict.vulnerable:
        problems.append(f"known vulnerabilities: {len(verdict.vulnerable)}")
    if verdict.failing_unchecked:
        problems.append(f"runtime dependencies not checked: {len(verdict.failing_unchecked)}")
    if problems:
        return f"AUDIT FAILED: {'; '.join(problems)}."
    unchecked = f"; {len(verdict.unchecked)} not checked (above)" if verdict.unchecked else ""
    return f"AUDIT PASSED: no known vulnerability in the {verdict.checked} packages checked{unchecked}."
