"""The committee's protocol (.xlsx) at national scale: evaluation.exports.ProtocolExporter for
20 000 offers (5 members × 6 criteria) against raw openpyxl in write-only mode writing the same
cells (every value the exporter's sheets yield, with no styles and no database); time, and the
exporter's peak memory at N and at N/10 offers, each export in a fresh process.

Data set "national" (bench.data.build_national, which also builds the N/10 competition)."""

from __future__ import annotations

import datetime as dt
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.utils import timezone
from openpyxl import Workbook

from evaluation.exports import Caption, Columns, Header, ProtocolExporter, Ranking, _local
from evaluation.models import Evaluation

from .common import clock, figure, say

ROOT = Path(__file__).resolve().parent.parent


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cells(evaluation: Evaluation) -> list[tuple[str, list[list]]]:
    """Every sheet's rows as the plain values the exporter writes."""
    exporter = ProtocolExporter(evaluation)
    exporter.ranking = Ranking(evaluation)
    sheets = []
    try:
        for title, method in exporter.sheets:
            rows = []
            for row in getattr(exporter, method)():
                if isinstance(row, Header):
                    rows.append([c.header for c in row])
                elif isinstance(row, Columns):
                    continue
                elif isinstance(row, Caption):
                    rows.append([str(row)])
                else:
                    rows.append([_local(v) if isinstance(v, dt.datetime) and timezone.is_aware(v) else
                                 (v if v != "" else None) for v in row])
            sheets.append((title, rows))
    finally:
        exporter.ranking.close()
    return sheets


def _raw_write(sheets: list[tuple[str, list[list]]], out) -> None:
    workbook = Workbook(write_only=True)
    for title, rows in sheets:
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    workbook.save(out)


def _export_in_child(reference: str) -> dict:
    """The export in a fresh process: its time and its peak memory above the process at rest."""
    command = [sys.executable, "-m", "bench.run_one", "--call", "bench.protocol:child", reference]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def child(reference: str) -> None:
    evaluation = Evaluation.objects.select_related("competition__authority").get(competition__reference=reference)
    offers = evaluation.competition.offers.count()
    at_rest = _rss_mb()
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        exporter = ProtocolExporter(evaluation)
        exporter.write(out)
        seconds = time.perf_counter() - start
        size = out.tell()
    print(json.dumps({"offers": offers, "seconds": seconds, "peak_mb": _rss_mb() - at_rest,
                      "rows": exporter.written, "bytes": size}))


def run(size: str) -> list[dict]:
    from .data import NATIONAL_SMALL_REFERENCE, national

    evaluation, _officer = national()
    say("protocol: the exporter at N and at N/10, each in a fresh process")
    full = _export_in_child(evaluation.competition.reference)
    small = _export_in_child(NATIONAL_SMALL_REFERENCE)
    say(f"protocol: {full['offers']} offers {full['seconds']:.1f} s, +{full['peak_mb']:.1f} MB; "
        f"{small['offers']} offers {small['seconds']:.1f} s, +{small['peak_mb']:.1f} MB")
    sheets = _cells(evaluation)
    cells = sum(len(row) for _title, rows in sheets for row in rows)
    with tempfile.TemporaryFile() as out:
        raw_s, _none = clock(lambda: _raw_write(sheets, out))
    say(f"protocol: raw openpyxl write-only, the same {cells} cells: {raw_s:.1f} s")
    ratio = raw_s / full["seconds"]  # the exporter's throughput as a share of raw openpyxl's
    limit = round(1.2 * small["peak_mb"] + 5, 1)
    return [
        figure("protocol_ratio", ratio, "× raw throughput", ">=", 0.7, exporter_s=round(full["seconds"], 2),
               raw_openpyxl_s=round(raw_s, 2), offers=full["offers"], rows=full["rows"], cells=cells,
               bytes=full["bytes"]),
        figure("protocol_peak_mb", round(full["peak_mb"], 1), "MB", "<=", limit, offers=full["offers"],
               small_offers=small["offers"], small_peak_mb=round(small["peak_mb"], 1),
               rule="flat: at N no more than 1.2 × the peak at N/10 + 5 MB (above the process at rest)"),
    ]

