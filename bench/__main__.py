"""python -m bench [--smoke] [--only NAME[,NAME…]] — run the scenarios, print one JSON object.

The run makes its own PostgreSQL databases (pozytek_bench_<random>…): one migrated template,
then a copy of it for each scenario or each shared data set, and drops every one of them at the
end, also when a scenario fails or the run is interrupted. Each scenario runs in its own
process (bench.run_one), so that one's memory, connections and server never touch another's.
Progress goes to stderr; the last line on stdout is {"figures": […]}.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from psycopg import sql

from .common import say

ROOT = Path(__file__).resolve().parent.parent
ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
# (scenario, the data set it shares with others or None for a database of its own)
SCENARIOS = [
    ("queries", None),
    ("pages", None),
    ("rush", None),
    ("ranking", "national"),
    ("protocol", "national"),
    ("audit", None),
]
# the run's own var folder (private storage of the rush's receipts, exports), removed at the end
VAR_DIR = tempfile.mkdtemp(prefix="pozytek-bench-")
TIME_LIMIT = {"full": 420, "smoke": 90}  # seconds one scenario may take before it is stopped


def _db_url(name: str) -> str:
    base = ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/{name}"


class Databases:
    """The databases of this run; all dropped by drop_all(), whatever happened."""

    def __init__(self):
        self.prefix = f"pozytek_bench_{secrets.token_hex(4)}"
        self.made: list[str] = []
        self.admin = psycopg.connect(ADMIN_URL, autocommit=True)

    def create(self, suffix: str, template: str | None = None) -> str:
        name = f"{self.prefix}_{suffix}"
        query = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template:
            query = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template))
        self.admin.execute(query)
        self.made.append(name)
        return name

    def drop(self, name: str) -> None:
        self.admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        if name in self.made:
            self.made.remove(name)

    def drop_all(self) -> None:
        for name in reversed(list(self.made)):
            try:
                self.drop(name)
            except psycopg.Error as exc:  # report, and go on dropping the others
                say(f"could not drop {name}: {exc}")
        self.admin.close()


def _env(database: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": _db_url(database), "DJANGO_SETTINGS_MODULE": "bench.settings",
            "PYTHONPATH": str(ROOT), "POZYTEK_VAR_DIR": VAR_DIR}


def _child(args: list[str], database: str, limit: float) -> dict:
    """Run `python -m bench.run_one …` on `database`; its last stdout line is JSON."""
    process = subprocess.Popen([sys.executable, "-m", "bench.run_one", *args], cwd=ROOT, env=_env(database),
                               stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, _err = process.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise RuntimeError(f"{' '.join(args)} took longer than {limit:.0f} s and was stopped") from None
    except BaseException:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise
    lines = [line for line in out.splitlines() if line.strip()]
    if process.returncode != 0 or not lines:
        raise RuntimeError(f"{' '.join(args)} failed (exit {process.returncode})")
    return json.loads(lines[-1])


def _migrate(database: str) -> None:
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=_env(database),
                   check=True)


def _interrupted(signum, frame):
    raise KeyboardInterrupt  # so that the finally of main() drops the databases


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="each scenario at a tiny size (under a minute)")
    parser.add_argument("--only", default="", help="comma-separated scenario names: " +
                        ", ".join(name for name, _ in SCENARIOS))
    options = parser.parse_args(argv)
    size = "smoke" if options.smoke else "full"
    wanted = [n.strip() for n in options.only.split(",") if n.strip()] or [name for name, _ in SCENARIOS]
    unknown = set(wanted) - {name for name, _ in SCENARIOS}
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    signal.signal(signal.SIGTERM, _interrupted)
    started = time.perf_counter()
    figures: list[dict] = []
    failures: list[str] = []
    databases = Databases()
    try:
        say(f"{size} run; databases {databases.prefix}_*")
        template = databases.create("template")
        _migrate(template)
        datasets: dict[str, str] = {}
        for name, dataset in SCENARIOS:
            if name not in wanted:
                continue
            begun = time.perf_counter()
            say(f"— {name} ({size})")
            try:
                if dataset is None:
                    database = databases.create(name, template)
                else:
                    if dataset not in datasets:
                        datasets[dataset] = databases.create(dataset, template)
                        _child(["--build", dataset, size], datasets[dataset], TIME_LIMIT[size])
                    database = datasets[dataset]
                result = _child([name, size], database, TIME_LIMIT[size])
                figures.extend(result["figures"])
                if dataset is None:
                    databases.drop(database)
            except (RuntimeError, subprocess.CalledProcessError) as exc:
                failures.append(f"{name}: {exc}")
                say(f"{name} FAILED: {exc}")
            say(f"{name} done in {time.perf_counter() - begun:.1f} s")
    finally:
        databases.drop_all()
        shutil.rmtree(VAR_DIR, ignore_errors=True)
    summary = {"figures": figures, "size": size, "seconds": round(time.perf_counter() - started, 1)}
    if failures:
        summary["failures"] = failures
    for item in figures:
        say(f"{item['name']:<22} {item['value']!s:>12} {item['unit']:<8} target {item['target']:<10} "
            f"{'met' if item['met'] else 'MISSED'}")
    say(f"total {summary['seconds']} s")
    print(json.dumps(summary, ensure_ascii=False), flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
