"""Each service is its own distribution, on top of the backbone's: the wheels carry
what each reads at run time (templates, migrations) and nothing of the others, and
each declares exactly the third-party packages its code imports."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
import zipfile
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("submission", "review", "notification", "results")
BACKBONE = "inagara-backbone"
# Imported but brought by a declared dependency, never declared on its own.
TRANSITIVE = {"werkzeug", "click", "botocore", "apispec"}
# Declared by the backbone, maybe never imported: loaded by another package (psycopg by
# SQLAlchemy's URL, crc32c by kafka-python), or run (gunicorn).
NOT_IMPORTED = {"gunicorn", "psycopg", "crc32c"}


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, set[str]]:
    out = tmp_path_factory.mktemp("wheels")
    folders = [ROOT / "shared", *(ROOT / "services" / name for name in SERVICES)]
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out)]
        + [str(folder) for folder in folders],
        check=True,
        capture_output=True,
    )
    return {
        wheel.name.split("-")[0].replace("_", "-"): set(zipfile.ZipFile(wheel).namelist())
        for wheel in out.glob("*.whl")
    }


def files(folder: Path) -> set[str]:
    return {
        str(path.relative_to(ROOT))
        for path in folder.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.name != "pyproject.toml"
    }


def test_the_backbone_wheel_is_shared_alone(wheels: dict[str, set[str]]) -> None:
    code = {name for name in wheels[BACKBONE] if ".dist-info/" not in name}

    assert code == {name for name in files(ROOT / "shared") if name.endswith(".py")}


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_wheel_holds_its_code_templates_and_migrations_and_no_other(
    wheels: dict[str, set[str]], service: str
) -> None:
    code = {name for name in wheels[f"inagara-{service}"] if ".dist-info/" not in name}

    mine = files(ROOT / "services" / service)
    assert any("/migrations/versions/" in name for name in mine)
    assert code == mine, f"differs: {sorted(code ^ mine)[:10]}"


def declared(folder: Path) -> set[str]:
    project = tomllib.loads((folder / "pyproject.toml").read_text())["project"]
    return {canonicalize_name(Requirement(line).name) for line in project["dependencies"]}


def imported(folder: Path) -> Iterator[str]:
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                yield from (alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                yield node.module.split(".")[0]


def third_party(folder: Path, own: set[str]) -> set[str]:
    """The distributions ``folder``'s code imports, less the standard library and ``own``."""
    distributions = metadata.packages_distributions()
    names = set()
    for module in set(imported(folder)) - set(sys.stdlib_module_names) - own - TRANSITIVE:
        assert module in distributions, f"{folder.name} imports {module}, which nothing installs"
        names |= {canonicalize_name(d) for d in distributions[module]}
    return names


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_declares_what_it_imports_beyond_the_backbone_and_nothing_else(
    service: str,
) -> None:
    folder = ROOT / "services" / service
    backbone = declared(ROOT / "shared")

    wanted = third_party(folder, {"services", "shared"}) - backbone

    assert declared(folder) - {BACKBONE} == wanted
    assert BACKBONE in declared(folder)


def test_the_backbone_declares_what_it_imports() -> None:
    wanted = third_party(ROOT / "shared", {"shared"})

    assert declared(ROOT / "shared") - NOT_IMPORTED == wanted - NOT_IMPORTED


def test_only_submission_carries_boto3() -> None:
    carriers = [name for name in SERVICES if "boto3" in declared(ROOT / "services" / name)]

    assert carriers == ["submission"]
    assert "boto3" not in declared(ROOT / "shared")
