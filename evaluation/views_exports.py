"""Downloads: the committee protocol (.xlsx; large ones through a Celery job with progress) and
the results list for BIP (.xlsx and CSV). Thin: evaluation.exports does the work and the checks."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from workflow.errors import NotFound

from . import exports
from .models import Evaluation, EvaluationState, ExportState

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _evaluation(pk) -> Evaluation:
    evaluation = Evaluation.objects.select_related("competition__authority").filter(competition_id=pk).first()
    if evaluation is None:
        raise NotFound()
    return evaluation


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def protocol(request, pk):
    """The protocol: made at once for an ordinary competition; for a national one (above
    POZYTEK_EXPORT_ASYNC_OFFERS offers) a job is queued and its progress shown."""
    evaluation = _evaluation(pk)
    exports.protocol_check(evaluation, user=request.user)
    if exports.protocol_is_large(evaluation):
        job = exports.export_job_start(evaluation, user=request.user)
        return redirect("evaluation:export_job", pk=job.pk)
    return _download(exports.protocol_xlsx(evaluation, user=request.user), exports.protocol_filename(evaluation), XLSX)


@login_required
def export_job(request, pk):
    job = exports.export_job_get(user=request.user, pk=pk)
    return render(request, "evaluation/export_job.html", {"job": job, "done": job.state == ExportState.DONE,
                                                          "failed": job.state == ExportState.FAILED})


@login_required
def export_job_download(request, pk):
    job = exports.export_job_get(user=request.user, pk=pk)
    if job.state != ExportState.DONE or not job.file:
        raise NotFound()
    return FileResponse(job.file.open("rb"), as_attachment=True, filename=exports.protocol_filename(job.evaluation),
                        content_type=XLSX)


def results_file(request, pk, fmt):
    """The results list for BIP, public once the results are published (art. 15 ust. 2h)."""
    evaluation = _evaluation(pk)
    if evaluation.state != EvaluationState.RESOLVED or fmt not in ("csv", "xlsx"):
        raise NotFound()
    if fmt == "csv":
        return _download(exports.results_csv(evaluation), exports.results_filename(evaluation, "csv"),
                         "text/csv; charset=utf-8")
    return _download(exports.results_xlsx(evaluation), exports.results_filename(evaluation, "xlsx"), XLSX)
