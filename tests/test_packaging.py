"""`pip install .` gives an app that starts: the wheel holds the migrations, templates and
static files, and an installed copy migrates a new database and serves its pages.

It builds in the checkout itself, and the test command runs the SQLite and PostgreSQL
passes at the same time: it runs on the SQLite pass only (it uses SQLite either way).
"""

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(
    bool(os.environ.get("TEST_DATABASE_URL")),
    reason="builds in the checkout (one build at a time) and uses SQLite: on the SQLite pass",
)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(ROOT),
            "--no-deps",
            "--no-build-isolation",
            "--quiet",
            "--wheel-dir",
            str(out),
        ],
        check=True,
        cwd=out,
        timeout=120,
        capture_output=True,
    )
    for leftover in ("build", "partner_support_portal.egg-info"):
        shutil.rmtree(ROOT / leftover, ignore_errors=True)
    return next(out.glob("*.whl"))


def test_wheel_holds_migrations_templates_static_files_and_the_command(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    revisions = {p.name for p in (ROOT / "migrations" / "versions").glob("0*.py")}
    assert revisions and {f"migrations/versions/{r}" for r in revisions} <= names
    assert {"migrations/env.py", "migrations/alembic.ini", "migrations/script.py.mako"} <= names
    for folder in ("portal/templates", "portal/static", "knowledge_base/templates"):
        shipped = {
            p.relative_to(ROOT).as_posix() for p in (ROOT / folder).rglob("*") if p.is_file()
        }
        assert shipped <= names, shipped - names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "portal = portal.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_installed_copy_migrates_a_new_database_and_serves(wheel, tmp_path):
    """Installed away from the checkout, it runs on its own files, not the repository's."""
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--quiet",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        timeout=120,
        capture_output=True,
    )
    env = {
        **os.environ,
        "PYTHONPATH": str(target),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite'}",
        "PORTAL_ENV": "development",
    }
    env.pop("TEST_DATABASE_URL", None)
    command = [sys.executable, "-c", "from portal.cli import main; main()"]
    upgrade = subprocess.run(
        [*command, "db", "upgrade"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert upgrade.returncode == 0, upgrade.stderr[-2000:]
    probe = (
        "import portal, migrations; from portal import create_app;"
        "app = create_app(); print(portal.__file__); print(migrations.__file__);"
        "print(app.test_client().get('/login').status_code)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    portal_file, migrations_file, status = result.stdout.split()
    assert portal_file.startswith(str(target)) and migrations_file.startswith(str(target))
    assert status == "200"
