"""The deadline rush: N genuinely ready offers submitted through POST /api/v1/offers/<id>/submit/
by 32 concurrent clients against the app served by gunicorn on 127.0.0.1 (PostgreSQL), beside a
bare Django JSON view on the same server, with the same configuration, in the same run.

Each offer belongs to its own organisation, whose administrator submits it with their own API
token. The bare view is measured before and after the submissions (the figure is their mean),
so that the machine's drift falls on both. Afterwards the database must hold exactly N submitted
offers with exactly N submit events in the audit trail: nothing lost, nothing doubled.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connections
from django.db.models import Count

from competitions.models import CompetitionState
from offers.form import check_offer
from offers.models import Offer, OfferState
from workflow.models import AuditEvent

from . import data
from .common import figure, say

ROOT = Path(__file__).resolve().parent.parent
PORTS = range(8700, 8800)
CLIENTS = 32
# The deployment the README gives (sync workers, 4 of them on this 2-core machine); the same
# server serves the bare view and the submissions.
GUNICORN = ["--workers", "4", "--worker-class", "sync", "--backlog", "256", "--log-level", "warning"]
SIZES = {"full": {"offers": 2000, "warmup": 64, "bare": 4000},
         "smoke": {"offers": 60, "warmup": 8, "bare": 300}}


# --- a small HTTP/1.1 client on asyncio streams (keep-alive; no package needed) -------------------------


class Client:
    def __init__(self, port: int):
        self.port = port
        self.reader = self.writer = None
        self.last_used = 0.0

    async def _connect(self) -> None:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(Exception):
                await self.writer.wait_closed()
        self.reader = self.writer = None

    async def post(self, path: str, token: str) -> tuple[int, bytes]:
        # a connection idle for long may have been closed by the server: open a fresh one first,
        # never resend a request that may have been received
        if self.writer is None or time.monotonic() - self.last_used > 2.0:
            await self.close()
            await self._connect()
        request = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\nAuthorization: Token {token}\r\n"
                   "Content-Type: application/json\r\nAccept: application/json\r\nContent-Length: 2\r\n\r\n{}")
        self.writer.write(request.encode("ascii"))
        await self.writer.drain()
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("the server closed the connection")
        status = int(status_line.split()[1])
        length, close = 0, False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _sep, value = line.decode("latin-1").partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value.strip())
            elif name == "connection" and value.strip().lower() == "close":
                close = True
        body = await self.reader.readexactly(length) if length else b""
        self.last_used = time.monotonic()
        if close:
            await self.close()
        return status, body


async def _load(port: int, jobs: list[tuple[str, str]], clients: int) -> dict:
    """Send every (path, token) once, from `clients` concurrent clients; latencies in seconds."""
    queue: asyncio.Queue = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    failures: list[str] = []

    async def worker() -> None:
        client = Client(port)
        try:
            while True:
                try:
                    path, token = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                start = time.perf_counter()
                try:
                    status, body = await client.post(path, token)
                except (OSError, asyncio.IncompleteReadError, ValueError, IndexError) as exc:
                    failures.append(f"{type(exc).__name__}: {exc}")
                    await client.close()
                    continue
                latencies.append(time.perf_counter() - start)
                statuses[status] = statuses.get(status, 0) + 1
                if status != 200 and len(failures) < 5:
                    failures.append(f"{status}: {body[:300]!r}")
        finally:
            await client.close()

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    seconds = time.perf_counter() - start
    ok = statuses.get(200, 0)
    latencies.sort()
    return {"requests": len(jobs), "ok": ok, "errors": len(jobs) - ok, "seconds": round(seconds, 3),
            "throughput": ok / seconds if seconds else 0.0,
            "p50_ms": round(_percentile(latencies, 50) * 1000, 1),
            "p99_ms": round(_percentile(latencies, 99) * 1000, 1),
            "max_ms": round(latencies[-1] * 1000, 1) if latencies else None, "statuses": statuses,
            "failures": failures[:5]}


def _percentile(values: list[float], pct: float) -> float:
    if not values:
        return 0.0
    index = min(len(values) - 1, max(0, round(pct / 100 * len(values) + 0.5) - 1))  # nearest rank
    return values[index]


# --- the server -------------------------------------------------------------------------------------


def _free_port() -> int:
    for port in PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 8700-8799")


def _start_server(port: int, log: Path) -> subprocess.Popen:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"}
    command = [str(Path(sys.executable).parent / "gunicorn"), "config.wsgi:application", "--bind",
               f"127.0.0.1:{port}", *GUNICORN, "--error-logfile", str(log)]
    with log.open("ab") as output:  # the workers' own errors (Django logs them to stderr) go there too
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=output, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {log.read_text()[-2000:]}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return process
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not start within 60 s")


def _stop_server(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


# --- the scenario -----------------------------------------------------------------------------------


def _build(count: int):
    authority, _officer = data.authority_with_staff("termin")
    comp, areas, _criteria = data.competition(authority, state=CompetitionState.PUBLISHED,
                                              reference="BOP.524.3.2027")
    orgs, users, tokens = data.organizations(count, tag="termin", tokens=True)
    offers = data.draft_offers(comp, areas[0], orgs, users)
    problems = check_offer(Offer.objects.select_related("competition", "task_area").get(pk=offers[0].pk))
    if problems:
        raise RuntimeError(f"the rush's offers are not ready: {[p.text() for p in problems][:5]}")
    return [(f"/api/v1/offers/{o.pk}/submit/", key) for o, key in zip(offers, tokens, strict=True)]


def _verify(jobs: list[tuple[str, str]]) -> dict:
    ids = [int(path.split("/")[4]) for path, _token in jobs]
    submitted = Offer.objects.filter(pk__in=ids, state=OfferState.SUBMITTED).count()
    offer_type = ContentType.objects.get_for_model(Offer)
    events = AuditEvent.objects.filter(subject_type=offer_type, subject_id__in=[str(i) for i in ids],
                                       action="offers.offer.submit")
    per_offer = events.values("subject_id").annotate(n=Count("pk"))
    doubled = sum(row["n"] - 1 for row in per_offer if row["n"] > 1)
    total_events = events.count()
    return {"offers": len(ids), "submitted": submitted, "submit_events": total_events, "doubled_events": doubled,
            "frozen_with_hash": Offer.objects.filter(pk__in=ids, state=OfferState.SUBMITTED)
            .exclude(snapshot_sha256="").count()}


def run(size: str) -> list[dict]:
    spec = SIZES[size]
    say(f"rush: building {spec['offers'] + spec['warmup']} ready offers with their own users and tokens")
    jobs = _build(spec["offers"] + spec["warmup"])
    warmup, jobs = jobs[:spec["warmup"]], jobs[spec["warmup"]:]
    bare_token = jobs[0][1]
    bare = [("/bench/bare/", bare_token)] * spec["bare"]
    connections.close_all()  # the server's workers open their own
    port = _free_port()
    Path(settings.VAR_DIR).mkdir(parents=True, exist_ok=True)
    log = Path(tempfile.mkdtemp(prefix="pozytek-bench-rush-", dir=settings.VAR_DIR)) / "gunicorn.log"
    say(f"rush: gunicorn on 127.0.0.1:{port} ({' '.join(GUNICORN)}), {CLIENTS} clients")
    server = _start_server(port, log)
    try:
        asyncio.run(_load(port, bare[: max(200, spec["bare"] // 10)], CLIENTS))  # warm every worker and thread
        asyncio.run(_load(port, warmup, CLIENTS))
        bare_before = asyncio.run(_load(port, bare, CLIENTS))
        submit = asyncio.run(_load(port, jobs, CLIENTS))
        bare_after = asyncio.run(_load(port, bare, CLIENTS))
    finally:
        _stop_server(server)
    bare_throughput = statistics.mean([bare_before["throughput"], bare_after["throughput"]])
    say(f"rush: submit {submit['throughput']:.1f}/s (p50 {submit['p50_ms']} ms, p99 {submit['p99_ms']} ms, "
        f"{submit['errors']} errors); bare {bare_before['throughput']:.0f}/s and {bare_after['throughput']:.0f}/s")
    checked = _verify(jobs)
    lost = abs(checked["offers"] - checked["submitted"]) + abs(checked["offers"] - checked["submit_events"])
    say(f"rush: {json.dumps(checked)}")
    server_log = log.read_text()[-1500:] if log.exists() else ""
    bare_detail = {k: v for k, v in bare_before.items() if k != "failures"}
    return [
        figure("rush_ratio", submit["throughput"] / bare_throughput, "×", ">=", 0.5,
               submit_per_s=round(submit["throughput"], 1), bare_per_s=round(bare_throughput, 1),
               bare_before_per_s=round(bare_before["throughput"], 1),
               bare_after_per_s=round(bare_after["throughput"], 1),
               clients=CLIENTS, offers=spec["offers"], server=" ".join(GUNICORN)),
        figure("rush_p99_ms", submit["p99_ms"], "ms", "<=", 250, p50_ms=submit["p50_ms"], max_ms=submit["max_ms"],
               bare_p50_ms=bare_before["p50_ms"], bare_p99_ms=bare_before["p99_ms"]),
        figure("rush_p50_ms", submit["p50_ms"], "ms", "<=", 250, bare_p50_ms=bare_before["p50_ms"],
               seconds=submit["seconds"], bare=bare_detail),
        figure("rush_errors", submit["errors"], "requests", "==", 0, statuses=submit["statuses"],
               failures=submit["failures"], server_log=server_log[-500:] if submit["errors"] else ""),
        figure("rush_lost", lost, "offers", "==", 0, **checked),
    ]
