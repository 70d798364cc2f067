"""Knowledge-base search under load, at several sizes of knowledge base, in one run.

For each size: build a scratch database holding that many synthetic articles (see
kb_corpus.py), serve the portal from it with gunicorn (2 workers) on 127.0.0.1, and
measure requests per second of the sign-in page, the KB index and two searches, as an
anonymous reader. The sign-in page does not touch the KB: it is the yardstick for how
fast this machine serves a page right now, so each figure is also given as a ratio to it.

    .venv/bin/python bench/kb_search.py --articles 23 50000
    .venv/bin/python bench/kb_search.py --articles 23 50000 \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres

With a PostgreSQL URL, a scratch database per size is created on that server (the URL's
user must be allowed to create databases) and dropped at the end. Without one, SQLite
files go in a temporary directory. `--explain` prints the query plan of every statement
the measured pages run, at the largest size. Not part of the test suite.
"""

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from contextlib import contextmanager
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGES = (
    ("sign-in", "/login"),
    ("KB index", "/kb/"),
    ('search "export"', "/kb/?q=export"),
    ('search "upgrade cluster"', "/kb/?q=upgrade+cluster"),
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- Scratch databases --------------------------------------------------------------------


@contextmanager
def scratch_database(server_url: str | None, size, workdir: Path, keep: bool, prefix="kb"):
    """Yield (URL, whether it already holds this size's data) for one size; remove it
    afterwards unless `keep`, which names it by its size so that the next run with
    `keep` reuses it instead of building it again."""
    if not server_url:
        path = workdir / f"{prefix}-{size}.sqlite"
        yield f"sqlite:///{path}", keep and path.exists()
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"{prefix}_bench_{size}" if keep else f"{prefix}_bench_{size}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(
        make_url(server_url).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
        yield url, bool(exists)
    finally:
        if not keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def build_database(url: str, articles: int, built: bool = False) -> dict[str, int]:
    """Migrate, fill (unless `built` already), and return how many articles an anonymous
    reader finds per query."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from bench import kb_corpus
    from knowledge_base import search
    from portal import create_app
    from portal.access import Anonymous
    from portal.config import Config
    from portal.extensions import db

    app = create_app(Config, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade()
        if built:
            print(f"  reusing the {articles:,} articles kept by an earlier run", flush=True)
        else:
            started = time.monotonic()
            kb_corpus.build(db.session, articles)
            if db.engine.dialect.name == "postgresql":
                db.session.execute(text("ANALYZE"))
                db.session.commit()
            elapsed = time.monotonic() - started
            print(f"  built {articles:,} articles in {elapsed:.0f} s", flush=True)
        found = {}
        for label, path in PAGES[2:]:
            query = path.split("q=", 1)[1].replace("+", " ")
            results = search.search_articles(query, Anonymous())
            found[label] = f"{results.total_label} ({results.matched} words)"
        db.session.remove()
        db.engine.dispose()
    return found


# --- Serving ------------------------------------------------------------------------------


@contextmanager
def served(url: str, workers: int):
    port = _free_port()
    env = dict(
        os.environ,
        DATABASE_URL=url,
        PORTAL_ENV="development",
        SECRET_KEY="bench-" + uuid.uuid4().hex,
        PYTHONPATH=str(ROOT),
    )
    log = tempfile.TemporaryFile()  # noqa: SIM115  (read when gunicorn fails to start)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "app:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/login", timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError("gunicorn did not start:\n" + log.read().decode()) from None
                time.sleep(0.2)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


# --- Load ---------------------------------------------------------------------------------

_WRK_RATE = re.compile(r"Requests/sec:\s+([\d.]+)")
_WRK_ERRORS = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")


def measure_wrk(url: str, seconds: int, connections: int, headers=None) -> float:
    extra = [arg for name, value in (headers or {}).items() for arg in ("-H", f"{name}: {value}")]
    done = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", *extra, url],
        capture_output=True,
        text=True,
        check=True,
    )
    errors = _WRK_ERRORS.search(done.stdout)
    if errors:
        raise RuntimeError(f"{url}: {errors.group(1)} responses were not 2xx/3xx")
    return float(_WRK_RATE.search(done.stdout).group(1))


def measure_python(url: str, seconds: int, connections: int, headers=None) -> float:
    """A small keep-alive load loop, for machines without wrk."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    counts = [0] * connections
    stop = time.monotonic() + seconds

    def worker(slot: int) -> None:
        conn = HTTPConnection(parts.hostname, parts.port, timeout=30)
        while time.monotonic() < stop:
            conn.request("GET", path, headers=headers or {})
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"{url}: HTTP {response.status}")
            counts[slot] += 1
        conn.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.monotonic() - started)


def measure(base: str, seconds: int, connections: int) -> dict[str, float]:
    load = measure_wrk if shutil.which("wrk") else measure_python
    rates = {}
    for label, path in PAGES:
        load(base + path, 2, connections)  # warm the workers' caches
        rates[label] = load(base + path, seconds, connections)
    return rates


# --- Query plans --------------------------------------------------------------------------


def explain(url: str) -> None:
    """Print the plan of each statement the measured pages run."""
    from sqlalchemy import event

    from portal import create_app
    from portal.config import Config
    from portal.extensions import db

    app = create_app(Config, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        postgres = db.engine.dialect.name == "postgresql"
        for label, path in PAGES[1:]:
            statements = []

            def record(
                conn, cursor, statement, parameters, context, executemany, statements=statements
            ):
                if statement.lstrip().upper().startswith("SELECT"):
                    statements.append((statement, parameters))

            event.listen(db.engine, "before_cursor_execute", record)
            try:
                assert app.test_client().get(path).status_code == 200
            finally:
                event.remove(db.engine, "before_cursor_execute", record)
            print(f"\n## {label} ({path}): {len(statements)} queries")
            with db.engine.connect() as conn:
                for statement, parameters in statements:
                    print("\n" + " ".join(statement.split())[:300])
                    prefix = "EXPLAIN " if postgres else "EXPLAIN QUERY PLAN "
                    raw = conn.connection.driver_connection.cursor()
                    raw.execute(prefix + statement, parameters)
                    for row in raw.fetchall():
                        print("    " + (row[0] if postgres else str(row[-1])))
                    raw.close()
        db.engine.dispose()


# --- Report -------------------------------------------------------------------------------


def report(
    results: dict[int, dict[str, float]], found: dict[int, dict[str, str]], database: str
) -> None:
    sizes = sorted(results)
    labels = [label for label, _ in PAGES]
    print(f"\nRequests/s on {database} (ratio to the sign-in page of the same size)\n")
    header = "| articles | " + " | ".join(labels) + " |"
    print(header)
    print("|" + "---|" * (len(labels) + 1))
    for size in sizes:
        rates = results[size]
        sign_in = rates["sign-in"]
        cells = [f"{rates['sign-in']:,.0f}"] + [
            f"{rates[label]:,.0f} ({rates[label] / sign_in:.2f})" for label in labels[1:]
        ]
        print(f"| {size:,} | " + " | ".join(cells) + " |")
    if len(sizes) > 1:
        small, large = sizes[0], sizes[-1]
        print(f"\nAt {large:,} articles, as a share of the requests/s at {small:,}:")
        for label in labels[1:]:
            raw = results[large][label] / results[small][label]
            drift = results[large]["sign-in"] / results[small]["sign-in"]
            verdict = "ok" if raw >= 0.5 else "BELOW HALF"
            print(f"  {label:<26} {raw:5.2f}  (sign-in page moved {drift:4.2f})  {verdict}")
    print("\nWhat an anonymous reader finds:")
    for size in sizes:
        print(f"  {size:>7,} articles: " + "; ".join(f"{k}: {v}" for k, v in found[size].items()))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--articles",
        type=int,
        nargs="+",
        default=[23, 50_000],
        help="KB sizes to measure, in one run (default: 23 50000)",
    )
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server to create scratch "
        "databases on (default: SQLite files in a temporary directory)",
    )
    parser.add_argument("--seconds", type=int, default=10, help="per page (default 10)")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument(
        "--keep",
        metavar="DIR",
        help="keep the built knowledge bases (SQLite files in DIR; on PostgreSQL, databases "
        "named kb_bench_<size>, DIR unused) and reuse them on the next run with --keep",
    )
    parser.add_argument(
        "--explain",
        action="store_true",
        help="print the plans of the pages' queries at the largest size",
    )
    args = parser.parse_args(argv)
    database = "PostgreSQL" if args.database_url else "SQLite"
    tool = "wrk" if shutil.which("wrk") else "a Python load loop (wrk not found)"
    print(
        f"{database}; load by {tool}, {args.connections} connections, "
        f"{args.seconds} s per page; gunicorn with {args.workers} workers",
        flush=True,
    )
    results, found = {}, {}
    with tempfile.TemporaryDirectory(prefix="kb-bench-") as scratch:
        workdir = Path(args.keep) if args.keep else Path(scratch)
        workdir.mkdir(parents=True, exist_ok=True)
        for size in sorted(set(args.articles)):
            print(f"\n{size:,} articles", flush=True)
            keep = bool(args.keep)
            with scratch_database(args.database_url, size, workdir, keep) as (url, built):
                found[size] = build_database(url, size, built)
                with served(url, args.workers) as base:
                    results[size] = measure(base, args.seconds, args.connections)
                for label, rate in results[size].items():
                    print(f"  {label:<26} {rate:8,.0f} requests/s", flush=True)
                if args.explain and size == max(args.articles):
                    explain(url)
    report(results, found, database)
    return 0


if __name__ == "__main__":
    sys.exit(main())
