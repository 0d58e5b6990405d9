"""A released service, built from its commit into a virtual environment of its own.

``.venv-releases/<tag>-<commit>/`` (git-ignored) holds the release's source
(``git archive`` of the commit recorded in ``releases/releases.toml``, so no tag
is needed) and ``venv/`` with the backbone and the service installed from that
source, with the dependencies that release pinned. Built once, then reused.

Its processes must not see the working tree: ``python -m`` runs with
``PYTHONSAFEPATH=1`` (the current directory is not put first on ``sys.path``) and
gunicorn with ``--chdir`` into the release's folder (gunicorn puts its directory
first on ``sys.path``).
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tools.release import ROOT, Release, load_index

CACHE = ROOT / ".venv-releases"


@dataclass(frozen=True)
class ReleaseEnv:
    release: Release
    folder: Path

    @property
    def python(self) -> str:
        return str(self.folder / "venv" / "bin" / "python")

    @property
    def service(self) -> str:
        return self.release.component

    def env(self, base: Mapping[str, str]) -> dict[str, str]:
        """``base`` for one of its processes: nothing of the working tree on its path."""
        env = {k: v for k, v in base.items() if k != "PYTHONPATH"}
        return {**env, "PYTHONSAFEPATH": "1"}

    def worker_command(self) -> list[str]:
        return [self.python, "-m", f"services.{self.service}.worker"]

    def web_command(self, bind: str, workers: int) -> list[str]:
        return [
            self.python,
            "-m",
            "gunicorn",
            "--chdir",
            str(self.folder),
            "--config",
            "python:shared.web.gunicorn_config",
            "--bind",
            bind,
            "--workers",
            str(workers),
            "--access-logfile",
            "-",
            f"services.{self.service}.wsgi:create_app()",
        ]

    def migrate(self, database_url: str) -> None:
        """The release's own migrations (as its Kubernetes Job runs them)."""
        env = self.env({**os.environ, "DATABASE_URL": database_url})
        subprocess.run(
            [self.python, "-m", f"services.{self.service}.migrations"],
            cwd=self.folder,
            env=env,
            check=True,
            capture_output=True,
            timeout=120,
        )


def last_release(service: str) -> Release:
    found = [r for r in load_index() if r.component == service]
    if not found:
        raise LookupError(f"no release of {service} in releases/releases.toml")
    return found[-1]


def _git(*args: str) -> bytes:
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(
            f"git {' '.join(args)}: {done.stderr.decode().strip()}. The release's commit must be "
            "in this clone (a full clone has it; a shallow one: git fetch --unshallow)."
        )
    return done.stdout


def build(release: Release) -> ReleaseEnv:
    """The release's environment, built unless it is already there."""
    folder = CACHE / f"{release.tag}-{release.commit[:12]}"
    ready = folder / ".ready"
    if ready.exists():
        return ReleaseEnv(release, folder)
    shutil.rmtree(folder, ignore_errors=True)
    source = folder / "src"
    source.mkdir(parents=True)
    archive = _git("archive", "--format=tar", release.commit, "shared", "services")
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(source, filter="data")
    subprocess.run([sys.executable, "-m", "venv", str(folder / "venv")], check=True)
    pip = [str(folder / "venv" / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    wheels = [str(source / "shared"), str(source / "services" / release.component)]
    subprocess.run([*pip, *wheels], check=True, timeout=900)
    ready.touch()
    return ReleaseEnv(release, folder)
