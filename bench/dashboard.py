"""The support manager's pages against the length of escalation history, in one run.

For each history length (in years): build a scratch database with the demo world plus
`--partners` synthetic partners, each with `--per-month` escalations a month over those
years (written in bulk, then the roll-ups rebuilt from them), serve the portal with
gunicorn on 127.0.0.1, sign in as the demo's support manager, and measure requests per
second of the sign-in page (the yardstick), the dashboard over 90 days and over 365
days, and a partner review. Each figure is also given as a ratio to the sign-in page.

    .venv/bin/python bench/dashboard.py --years 1 10
    .venv/bin/python bench/dashboard.py --years 1 10 \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres

Not part of the test suite.
"""

import argparse
import random
import re
import shutil
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta
from http.client import HTTPConnection
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.kb_search import measure_python, measure_wrk, scratch_database, served  # noqa: E402

PAGES = (
    ("sign-in", "/login"),
    ("dashboard 90 days", "/management/?window=90"),
    ("dashboard 365 days", "/management/?window=365"),
    ("review acme", "/management/partners/acme"),
)
REASONS = (
    "not_reproducible_on_vanilla",
    "customization",
    "documented_in_kb",
    "configuration_or_user_error",
    "out_of_scope",
    "duplicate",
)


def build(url: str, years: int, partners: int, per_month: int, built: bool) -> int:
    """Migrate, seed the demo, add the synthetic partners and history; return escalations."""
    from flask_migrate import upgrade
    from sqlalchemy import func, insert, select, text

    from certification.models import ReproductionEnvironment
    from escalations.models import Escalation
    from portal import create_app
    from portal.config import Config
    from portal.demo import seed_demo
    from portal.extensions import db
    from portal.management import rollups
    from portal.models import Customer, Partner, Release, User

    app = create_app(Config, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade()
        if built:
            total = db.session.scalar(select(func.count()).select_from(Escalation))
            print(f"  reusing {total:,} escalations kept by an earlier run", flush=True)
            return total
        started = time.monotonic()
        seed_demo()
        template = db.session.scalars(select(ReproductionEnvironment).limit(1)).one()
        release = db.session.get(Release, template.release_id)
        rng = random.Random(years)
        now = datetime.now(UTC)
        rows = []
        for n in range(partners):
            partner = Partner(slug=f"bench-{n}", name=f"Bench Partner {n}", region="EMEA")
            db.session.add(partner)
            db.session.flush()
            customer = Customer(partner_id=partner.id, name="Customer", seats=rng.randint(50, 900))
            tech = User(
                email=f"tech{n}@bench.example",
                name=f"Tech {n}",
                role="technician",
                partner_id=partner.id,
                password_hash="!",
            )
            db.session.add_all([customer, tech])
            db.session.flush()
            lab = ReproductionEnvironment(
                partner_id=partner.id,
                product_id=template.product_id,
                release_id=template.release_id,
                name="Lab",
                operating_system="Debian 12",
                product_build=release.version,
                attested_at=now,
            )
            db.session.add(lab)
            db.session.flush()
            daily = per_month / 30
            for day in range(years * 365):
                count = int(daily) + (rng.random() < daily % 1)
                rows.extend(
                    _escalation(
                        rng, now - timedelta(days=day), partner, customer, tech, lab, release
                    )
                    for _ in range(count)
                )
        for start in range(0, len(rows), 5000):
            db.session.execute(insert(Escalation), rows[start : start + 5000])
        rollups.rebuild()
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        total = db.session.scalar(select(func.count()).select_from(Escalation))
        print(f"  built {total:,} escalations in {time.monotonic() - started:.0f} s", flush=True)
        db.session.remove()
        db.engine.dispose()
        return total


def _escalation(rng, submitted, partner, customer, tech, lab, release) -> dict:
    submitted = submitted - timedelta(minutes=rng.randint(0, 1439))
    outcome = rng.choices(("resolved", "rejected", "withdrawn", "accepted"), (6, 2, 1, 1))[0]
    triage = submitted + timedelta(minutes=rng.randint(5, 3000))
    return {
        "partner_id": partner.id,
        "customer_id": customer.id,
        "product_id": lab.product_id,
        "release_id": release.id,
        "environment_id": lab.id,
        "submitter_id": tech.id,
        "drafted_by_id": tech.id,
        "title": "Synthetic escalation",
        "severity": rng.choice(("S2", "S3", "S4")),
        "status": outcome,
        "rejection_reason": rng.choice(REASONS) if outcome == "rejected" else None,
        "attested_vanilla": True,
        "attested_no_customization": True,
        "submitted_at": submitted,
        "first_response_at": triage,
        "resolved_at": triage + timedelta(hours=rng.randint(1, 200))
        if outcome == "resolved"
        else None,
        "closed_at": triage if outcome in ("rejected", "withdrawn") else None,
        "created_at": submitted,
        "updated_at": triage,
    }


AGENT = "portal-bench"


def sign_in(base: str) -> str:
    """The Cookie header of the demo support manager's session."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    # The session is bound to the browser that signed in (Flask-Login's strong session
    # protection): the load sends the same User-Agent.
    opener.addheaders = [("User-Agent", AGENT)]
    page = opener.open(base + "/login", timeout=10).read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode(
        {"csrf_token": token, "email": "manager@vendor.example", "password": "demo-password"}
    ).encode()
    opener.open(base + "/login", form, timeout=10).read()
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def answers_200(base: str, path: str, headers: dict) -> None:
    """wrk counts any answer: make sure the page itself is served (not a redirect)."""
    parts = urllib.parse.urlsplit(base)
    conn = HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.request("GET", path, headers=headers)
    status = conn.getresponse().status
    conn.close()
    if status != 200:
        raise SystemExit(f"{path}: HTTP {status} (is the sign-in working?)")


def measure(base: str, seconds: int, connections: int) -> dict[str, float]:
    cookie = sign_in(base)
    rates = {}
    for label, path in PAGES:
        headers = {"User-Agent": AGENT} | ({} if path == "/login" else {"Cookie": cookie})
        answers_200(base, path, headers)
        load = measure_wrk if shutil.which("wrk") else measure_python
        load(base + path, 2, connections, headers)  # warm the workers' caches
        rates[label] = load(base + path, seconds, connections, headers)
    return rates


def report(results: dict[int, dict[str, float]], sizes: dict[int, int], database: str) -> None:
    labels = [label for label, _ in PAGES]
    print(f"\nRequests/s on {database} (ratio to the sign-in page of the same run)\n")
    print("| years | escalations | " + " | ".join(labels) + " |")
    print("|" + "---|" * (len(labels) + 2))
    for years in sorted(results):
        rates = results[years]
        cells = [f"{rates['sign-in']:,.0f}"] + [
            f"{rates[label]:,.0f} ({rates[label] / rates['sign-in']:.2f})" for label in labels[1:]
        ]
        print(f"| {years} | {sizes[years]:,} | " + " | ".join(cells) + " |")
    if len(results) > 1:
        short, long = min(results), max(results)
        print(f"\nWith {long} years of history, as a share of the requests/s with {short}:")
        for label in labels[1:]:
            share = (results[long][label] / results[long]["sign-in"]) / (
                results[short][label] / results[short]["sign-in"]
            )
            print(f"  {label:<22} {share:5.2f}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--years", type=int, nargs="+", default=[1, 10])
    parser.add_argument("--partners", type=int, default=40)
    parser.add_argument("--per-month", type=int, default=30)
    parser.add_argument("--database-url")
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", metavar="DIR", help="keep the built databases and reuse them")
    args = parser.parse_args(argv)
    database = "PostgreSQL" if args.database_url else "SQLite"
    results, sizes = {}, {}
    with tempfile.TemporaryDirectory(prefix="dashboard-bench-") as scratch:
        workdir = Path(args.keep) if args.keep else Path(scratch)
        workdir.mkdir(parents=True, exist_ok=True)
        for years in sorted(set(args.years)):
            print(f"\n{years} year(s) of history", flush=True)
            keep = bool(args.keep)
            with scratch_database(args.database_url, f"{years}y", workdir, keep, "history") as (
                url,
                built,
            ):
                sizes[years] = build(url, years, args.partners, args.per_month, built)
                with served(url, args.workers) as base:
                    results[years] = measure(base, args.seconds, args.connections)
                for label, rate in results[years].items():
                    print(f"  {label:<22} {rate:8,.0f} requests/s", flush=True)
    report(results, sizes, database)
    return 0


if __name__ == "__main__":
    sys.exit(main())
