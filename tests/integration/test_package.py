"""The wheel the image installs carries what the services read at run time:
templates, migrations, the Swagger UI assets — not only the Python modules."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_wheel_holds_every_template_and_migration(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            str(ROOT),
            "-w",
            str(tmp_path),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("inagara-*.whl")
    packed = set(zipfile.ZipFile(wheel).namelist())
    wanted = {
        str(path.relative_to(ROOT))
        for folder in ("templates", "migrations")
        for path in ROOT.glob(f"services/*/{folder}/**/*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert wanted, "no templates or migrations found: wrong root?"
    assert wanted <= packed, f"missing from the wheel: {sorted(wanted - packed)[:10]}"
    assert not any(name.startswith(("tests/", "deploy/", "bench/")) for name in packed)
