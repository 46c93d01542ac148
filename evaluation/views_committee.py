"""The committee's pages: a member's committees, the impartiality declarations, the scoring
page (the offer beside the score sheet, autosaved), and the chair's dashboard (progress,
reopening a sheet, closing scoring, the ranking, leniency and the proposed amounts).

Thin: who may see what is decided by evaluation.selectors (a member sees an offer's content
only after declaring impartiality for it; anyone else gets 404), every write goes through
evaluation.services, and a refused write comes back to the page it was typed on, at its
field, with everything typed kept.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.db.models import Count, Q
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from competitions.models import Competition
from offers.form import money, parse_decimal
from offers.models import Offer
from offers.views import _detail_context as offer_detail_context
from workflow.calendar import local
from workflow.errors import InvalidData, NotFound, WrongState
from workflow.services import available_transitions

from . import selectors, services
from .forms_committee import (
    KPA_GROUNDS,
    CloseScoringForm,
    ConflictForm,
    ProposalForm,
    ReopenForm,
    ScoreSheetForm,
)
from .guards import required_scores, sheet_problems
from .models import (
    AwardState,
    Declaration,
    DeclarationState,
    EvaluationState,
    ScoreSheet,
    Seat,
    SeatRole,
    SheetState,
)

T = "evaluation/committee/"


def member_login_required(view):
    """login_required that also answers an autosave: a lapsed session must not look like a save."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        if getattr(request, "htmx", False):
            return render(request, T + "_save_status.html", {
                "oob": True, "status": "failed",
                "status_text": _("Not saved: you are logged out. Log in in another tab; what you typed is "
                                 "still here and will be saved with your next change.")})
        return redirect_to_login(request.get_full_path())

    return wrapper


def _competition(pk: int) -> Competition:
    competition = (Competition.objects.select_related("authority", "evaluation", "committee")
                   .filter(pk=pk).first())
    if competition is None:
        raise NotFound()
    return competition


def _name(user) -> str:
    return user.get_full_name() or user.username


def _points(value) -> str:
    """Points the Polish way without needless zeros: 7.50 -> "7,5"."""
    if value is None:
        return ""
    text = f"{Decimal(value):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


# --- my committees -------------------------------------------------------------------------------------


@member_login_required
@require_GET
def my_committees(request):
    competitions = list(selectors.competitions_for_member(user=request.user)
                        .order_by("-submission_deadline", "pk"))

    def declared(*states):
        return Count("declarations", filter=Q(declarations__state__in=states), distinct=True)

    seats = {seat.committee.competition_id: seat for seat in Seat.objects.filter(
        user=request.user, is_active=True, committee__competition__in=competitions
    ).select_related("committee").annotate(
        pending=declared(DeclarationState.PENDING), impartial=declared(DeclarationState.IMPARTIAL),
        excluded=declared(DeclarationState.CONFLICT, DeclarationState.EXCLUDED),
        submitted=Count("sheets", filter=Q(sheets__state=SheetState.SUBMITTED), distinct=True))}
    rows = []
    for competition in competitions:
        seat = seats.get(competition.pk)
        if seat is None:
            continue
        rows.append({"competition": competition, "evaluation": competition.evaluation, "seat": seat,
                     "todo": _todo(competition.evaluation, seat)})
    return render(request, T + "my_committees.html", {"rows": rows})


def _todo(evaluation, seat) -> list[str]:
    """What is left for this member (and, for the chair, for the committee) to do now."""
    state = evaluation.state
    if state == EvaluationState.FORMAL_REVIEW:
        return [_("The offers are in the formal check; there is nothing to do yet.")]
    if state == EvaluationState.RESOLVED:
        return [_("The results are published.")]
    if state == EvaluationState.AWAITING_DECISION:
        todo = [_("Scoring is closed; the authority decides the awards.")]
        if seat.role == SeatRole.CHAIR:
            todo.insert(0, _("Propose the amounts for the recommended offers."))
        return todo
    todo = []
    if seat.pending:
        todo.append(ngettext("{n} impartiality declaration to make.",
                             "{n} impartiality declarations to make.", seat.pending).format(n=seat.pending))
    left = seat.impartial - seat.submitted
    if seat.role != SeatRole.EXPERT and left > 0:
        todo.append(ngettext("{n} offer to score.", "{n} offers to score.", left).format(n=left))
    if seat.role == SeatRole.CHAIR:
        todo.append(_("Close scoring once every offer has enough score sheets."))
    return todo or [_("Nothing left for you: all your sheets are submitted.")]


# --- declarations ----------------------------------------------------------------------------------------


def _declarations_context(request, competition, *, bound: dict[int, ConflictForm] | None = None,
                          error: str = "") -> dict:
    rows = list(selectors.declarations_for_member(user=request.user, competition=competition))
    seat = selectors.seat_of(user=request.user, competition=competition)
    sheets = dict(ScoreSheet.objects.filter(seat=seat).values_list("offer_id", "state"))
    bound = bound or {}
    areas: dict[int, dict] = {}
    counts = defaultdict(int)
    for declaration in rows:
        area = declaration.offer.task_area
        group = areas.setdefault(area.pk, {"area": area, "rows": []})
        counts[declaration.state] += 1
        group["rows"].append({
            "declaration": declaration, "offer": declaration.offer,
            "sheet_state": sheets.get(declaration.offer_id),
            "form": bound.get(declaration.pk) or ConflictForm(prefix=f"c{declaration.pk}")})
    return {"competition": competition, "evaluation": competition.evaluation, "seat": seat,
            "areas": list(areas.values()), "grounds": KPA_GROUNDS, "error": error, "total": len(rows),
            "pending": counts[DeclarationState.PENDING], "impartial": counts[DeclarationState.IMPARTIAL],
            "excluded": counts[DeclarationState.CONFLICT] + counts[DeclarationState.EXCLUDED],
            "can_declare": competition.evaluation.state == EvaluationState.MERIT_REVIEW,
            "scores": seat.role != SeatRole.EXPERT}


@member_login_required
@require_GET
def declarations(request, competition_pk):
    competition = _competition(competition_pk)
    return render(request, T + "declarations.html", _declarations_context(request, competition))


@member_login_required
@require_POST
def declaration_make(request, competition_pk, declaration_pk):
    competition = _competition(competition_pk)
    declaration = (selectors.declarations_for_member(user=request.user, competition=competition)
                   .filter(pk=declaration_pk).first())
    if declaration is None:
        raise NotFound()
    offeror = declaration.offer.organization.name
    back = reverse("evaluation:declarations", args=[competition.pk]) + f"#decl-{declaration.pk}"
    decision = request.POST.get("decision")
    try:
        if decision == "impartial":
            services.declaration_make(declaration, actor=request.user, impartial=True)
            messages.success(request, _("You declared that you are impartial towards {offeror}: you can now "
                                        "read and score its offer.").format(offeror=offeror))
            return redirect(back)
        if decision == "conflict":
            form = ConflictForm(request.POST, prefix=f"c{declaration.pk}")
            if not form.is_valid():
                context = _declarations_context(request, competition, bound={declaration.pk: form})
                context["open_conflict"] = declaration.pk
                return render(request, T + "declarations.html", context, status=400)
            services.declaration_make(declaration, actor=request.user, impartial=False,
                                      ground=form.ground_text())
            messages.success(request, _("You declared a conflict of interest: you are excluded from the "
                                        "offer of {offeror}.").format(offeror=offeror))
            return redirect(back)
    except WrongState as error:
        context = _declarations_context(request, competition, error=error.text())
        return render(request, T + "declarations.html", context, status=409)
    context = _declarations_context(request, competition, error=_("Choose “I am impartial” or “I declare a "
                                                                  "conflict of interest”."))
    return render(request, T + "declarations.html", context, status=400)


# --- the scoring page ------------------------------------------------------------------------------------


def _member_offer(request, competition_pk, offer_pk):
    offer, seat, declaration = selectors.offer_for_member(user=request.user, pk=offer_pk)
    if offer.competition_id != competition_pk:
        raise NotFound()
    return offer, seat, declaration


def _sheet(seat, offer) -> ScoreSheet | None:
    return ScoreSheet.objects.filter(seat=seat, offer=offer).prefetch_related("scores").first()


def _sheet_rows(criteria, committee, sheet, form: ScoreSheetForm | None, errors: dict[str, list[str]]):
    """One row per criterion: what to show in its fields (as typed, or as saved), its hint,
    the errors that kept it from being saved, and what must change before submitting."""
    saved = {s.criterion_id: s for s in sheet.scores.all()} if sheet else {}
    to_fix = sheet_problems(sheet, criteria, list(saved.values()), committee) if sheet else {}
    rows = []
    for criterion in criteria:
        key = f"scores.{criterion.pk}"
        score = saved.get(criterion.pk)
        if form is not None and form.data is not None:
            points, comment = form.raw(criterion)
        else:
            points, comment = (_points(score.points), score.comment) if score else ("", "")
        row_errors = list(errors.get(key, []))
        if form is not None and form.data is not None and not row_errors:
            if not points and score is not None:
                row_errors.append(_("An empty field is not saved: your score {points} stays until you enter "
                                    "another.").format(points=_points(score.points)))
            elif not points and comment.strip():
                row_errors.append(_("Give the points too: a comment is saved with its score."))
        threshold = criterion.max_points * committee.comment_below_pct / Decimal(100)
        warnings = [] if row_errors or score is None else to_fix.get(key, [])
        rows.append({"criterion": criterion, "points": points, "comment": comment, "score": score,
                     "max": _points(criterion.max_points), "step": _points(criterion.step),
                     "threshold": _points(threshold), "threshold_raw": threshold,
                     "comment_required": score is not None and score.points < threshold,
                     "errors": row_errors, "warnings": warnings})
    return rows


def _navigation(seat, offer) -> dict:
    """The offers this member may score, in the order of the declarations list, and where
    this one stands among them."""
    impartial = list(Declaration.objects.filter(seat=seat, state=DeclarationState.IMPARTIAL)
                     .order_by("offer__task_area__number", "offer__pk")
                     .values_list("offer_id", "offer__organization__name", "offer__title"))
    submitted = set(ScoreSheet.objects.filter(seat=seat, state=SheetState.SUBMITTED).values_list("offer_id",
                                                                                                   flat=True))
    pending = Declaration.objects.filter(seat=seat, state=DeclarationState.PENDING).count()
    ids = [pk for pk, _org, _title in impartial]
    position = ids.index(offer.pk) if offer.pk in ids else 0

    def link(index):
        if 0 <= index < len(impartial):
            pk, org, title = impartial[index]
            return {"pk": pk, "organization": org, "title": title}
        return None

    after = ids[position + 1:] + ids[:position]
    next_unscored = next((pk for pk in after if pk not in submitted), None)
    return {"position": position + 1, "count": len(ids), "scored": len(submitted & set(ids)),
            "previous": link(position - 1), "next": link(position + 1), "next_unscored": next_unscored,
            "pending_declarations": pending}


def _sheet_context(offer, seat, *, form=None, errors=None, refusal=None) -> dict:
    """The score sheet's part of the page (all an autosave answers with)."""
    committee = seat.committee
    evaluation = offer.competition.evaluation
    criteria = list(offer.task_area.criteria.all())
    sheet = _sheet(seat, offer)
    rows = _sheet_rows(criteria, committee, sheet, form, errors or {})
    max_total = sum((c.max_points for c in criteria), Decimal("0"))
    saved_total = sum((row["score"].points for row in rows if row["score"]), Decimal("0"))
    editable = (seat.role != SeatRole.EXPERT and evaluation.state == EvaluationState.MERIT_REVIEW
                and (sheet is None or sheet.state == SheetState.DRAFT))
    return {
        "offer": offer, "competition": offer.competition, "seat": seat, "sheet": sheet, "rows": rows,
        "editable": editable, "evaluation": evaluation, "committee": committee,
        "max_total": _points(max_total), "saved_total": _points(saved_total),
        "pass_threshold": _points(max_total * offer.task_area.pass_threshold_pct / Decimal(100)),
        "comment_below_pct": _points(committee.comment_below_pct),
        "overall_comment": form.comment if form is not None and form.data is not None else (
            sheet.comment if sheet else ""),
        "sheet_refusal": refusal or [], "is_expert": seat.role == SeatRole.EXPERT,
    }


def _score_context(request, offer, seat, **sheet) -> dict:
    context = offer_detail_context(request, offer)
    # The offer is shown through the offeror's printed form; its attachment links lead to the
    # offeror's pages, so a member gets them from this page instead.
    context["member_attachments"], context["attachments"] = context["attachments"], []
    context.update(_sheet_context(offer, seat, **sheet))
    context["nav"] = _navigation(seat, offer)
    return context


@member_login_required
@require_GET
def score(request, competition_pk, offer_pk):
    offer, seat, _declaration = _member_offer(request, competition_pk, offer_pk)
    return render(request, T + "score.html", _score_context(request, offer, seat))


def _save(request, offer, seat) -> tuple[ScoreSheetForm, dict[str, list[str]], list[str]]:
    """Save what was posted: valid scores are saved, the others come back as field errors."""
    criteria = list(offer.task_area.criteria.all())
    form = ScoreSheetForm(criteria, request.POST)
    try:
        services.scores_save(seat=seat, offer=offer, actor=request.user, scores=form.scores(),
                             comment=form.comment)
    except InvalidData as error:
        return form, error.errors, []
    except WrongState as error:
        return form, {}, [r.text() for r in error.refusals] or [error.text()]
    return form, {}, []


@member_login_required
@require_POST
def score_save(request, competition_pk, offer_pk):
    offer, seat, _declaration = _member_offer(request, competition_pk, offer_pk)
    form, errors, refusal = _save(request, offer, seat)
    if request.htmx:
        context = _sheet_context(offer, seat, form=form, errors=errors, refusal=refusal)
        invalid = [row for row in context["rows"] if row["errors"]]
        if refusal:
            status, text = "failed", " ".join(refusal)
        elif invalid:
            status = "failed"
            text = ngettext("Not saved: {n} score needs correcting ({names}). The others are saved.",
                            "Not saved: {n} scores need correcting ({names}). The others are saved.",
                            len(invalid)).format(n=len(invalid),
                                                 names=", ".join(r["criterion"].name for r in invalid))
        else:
            status = "saved"
            text = _("Saved at {time}.").format(time=local(timezone.now()).strftime("%H:%M:%S"))
        context.update({"status": status, "status_text": text})
        # Field errors answer 200: the fragments carry them, and django-htmx's debug handler would
        # replace the whole page with a 400 answer (the refused state is a 409, which it leaves).
        return render(request, T + "_sheet_autosave.html", context, status=409 if refusal else 200)
    if errors or refusal:
        context = _score_context(request, offer, seat, form=form, errors=errors, refusal=refusal)
        return render(request, T + "score.html", context, status=400 if errors else 409)
    messages.success(request, _("Your scores are saved."))
    return redirect("evaluation:score", competition_pk=competition_pk, offer_pk=offer.pk)


@member_login_required
@require_POST
def score_submit(request, competition_pk, offer_pk):
    offer, seat, _declaration = _member_offer(request, competition_pk, offer_pk)
    form, errors, refusal = _save(request, offer, seat)
    status = 400 if errors else 409
    if errors:
        refusal = [_("Your scores were not submitted: correct the marked scores first.")]
    if not errors and not refusal:
        sheet = _sheet(seat, offer)
        try:
            services.sheet_submit(sheet, actor=request.user)
        except InvalidData as error:
            errors, refusal, status = error.errors, [error.text()], 400
        except WrongState as error:
            refusal = [r.text() for r in error.refusals] or [error.text()]
    if errors or refusal:
        context = _score_context(request, offer, seat, form=form, errors=errors, refusal=refusal)
        return render(request, T + "score.html", context, status=status)
    nav = _navigation(seat, offer)
    messages.success(request, _("Your scores for the offer of {offeror} are submitted.").format(
        offeror=offer.organization.name))
    if nav["next_unscored"]:
        return redirect("evaluation:score", competition_pk=competition_pk, offer_pk=nav["next_unscored"])
    messages.info(request, _("All the offers you may score are scored."))
    return redirect("evaluation:declarations", competition_pk=competition_pk)


@member_login_required
@require_GET
def attachment_download(request, competition_pk, offer_pk, attachment_pk):
    offer, _seat, _declaration = _member_offer(request, competition_pk, offer_pk)
    attachment = offer.attachments.filter(pk=attachment_pk, removed_at__isnull=True).first()
    if attachment is None:
        raise NotFound()
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise NotFound(_("The file is missing from the store.")) from exc
    return FileResponse(handle, as_attachment=True, filename=attachment.filename,
                        content_type=attachment.content_type or "application/octet-stream")


# --- the chair's dashboard ----------------------------------------------------------------------------------


def _chair(request, competition_pk):
    competition = _competition(competition_pk)
    seat = selectors.seat_of(user=request.user, competition=competition)
    evaluation = getattr(competition, "evaluation", None)
    if seat is None or seat.role != SeatRole.CHAIR or evaluation is None:
        raise NotFound()
    return competition, evaluation, seat


def _chair_context(request, competition, evaluation, *, reopen_forms=None, close_form=None,
                   proposal_forms=None, proposal_area=None, error: str = "") -> dict:
    committee = competition.committee
    merit = evaluation.state == EvaluationState.MERIT_REVIEW
    members = selectors.progress(evaluation=evaluation)
    needed = required_scores(committee)
    counts = selectors.scores_per_offer(evaluation=evaluation)
    offers = Offer.objects.filter(pk__in=[row["pk"] for row in counts]).select_related(
        "organization", "task_area").in_bulk()
    submitted_sheets = defaultdict(list)
    for sheet in (ScoreSheet.objects.filter(offer__competition=competition, state=SheetState.SUBMITTED,
                                            seat__is_active=True)
                  .select_related("seat__user").order_by("seat__user__last_name", "pk")):
        submitted_sheets[sheet.offer_id].append(sheet)
    reopen_forms = reopen_forms or {}
    offer_rows = []
    for row in counts:
        offer = offers[row["pk"]]
        form = reopen_forms.get(offer.pk) or ReopenForm(prefix=f"r{offer.pk}",
                                                        sheets=submitted_sheets[offer.pk])
        offer_rows.append({"offer": offer, "submitted": row["submitted"], "short": row["submitted"] < needed,
                           "sheets": submitted_sheets[offer.pk], "reopen_form": form})
    offer_rows.sort(key=lambda r: (r["offer"].task_area.number, r["offer"].pk))
    close = next((t for t in available_transitions(evaluation, request.user) if t.name == "close_scoring"),
                 None)
    context = {
        "competition": competition, "evaluation": evaluation, "committee": committee, "merit": merit,
        "members": members, "needed": needed, "offer_rows": offer_rows,
        "short": sum(1 for r in offer_rows if r["short"]), "close": close, "error": error,
        "open_reopen": next(iter(reopen_forms), None),
        "close_form": close_form or CloseScoringForm(seats=[m["seat"] for m in members]),
        "closed": evaluation.state in (EvaluationState.AWAITING_DECISION, EvaluationState.RESOLVED),
    }
    if context["closed"]:
        context.update(_ranking_context(evaluation, proposal_forms or {}, proposal_area))
    return context


def _ranking_context(evaluation, proposal_forms: dict[int, ProposalForm], proposal_area) -> dict:
    rows = selectors.ranking(evaluation=evaluation)
    proposing = evaluation.state == EvaluationState.AWAITING_DECISION
    areas: dict[int, dict] = {}
    for row in rows:
        area = row.offer.task_area
        group = areas.get(area.pk)
        if group is None:
            criteria = list(area.criteria.all())
            group = areas[area.pk] = {
                "area": area, "criteria": criteria, "rows": [], "proposed_sum": Decimal("0"),
                "max_points": _points(sum((c.max_points for c in criteria), Decimal("0"))),
                "threshold": _points(sum((c.max_points for c in criteria), Decimal("0"))
                                     * area.pass_threshold_pct / Decimal(100)),
                "flag": _points(evaluation.competition.committee.spread_flag_pct), "proposals": []}
        award = row.award
        form = None
        if award is not None and row.passed:
            form = proposal_forms.get(award.pk) or ProposalForm(award)
            group["proposals"].append({"row": row, "form": form})
        if award is not None and award.state == AwardState.PROPOSED and award.proposed_amount:
            group["proposed_sum"] += award.proposed_amount
        group["rows"].append({
            "row": row, "criteria": [_points(row.criteria.get(c.pk)) if row.criteria else "—"
                                     for c in group["criteria"]],
            "mean": _points(row.mean) if row.mean is not None else "—",
            "spread": _points(row.spread) if row.spread is not None else "—"})
    for group in areas.values():
        area = group["area"]
        group["proposed_text"] = money(group["proposed_sum"])
        group["budget_text"] = money(area.budget)
        group["left_text"] = money(area.budget - group["proposed_sum"])
        group["over"] = group["proposed_sum"] > area.budget
        group["bound"] = proposal_area is not None and area.pk == proposal_area
    leniency = [{"seat": item["seat"], "offers": item["offers"], "deviation": item["deviation"],
                 "text": ("+" if item["deviation"] > 0 else "") + _points(item["deviation"])}
                for item in selectors.leniency(evaluation=evaluation)]
    return {"areas": list(areas.values()), "leniency": leniency, "proposing": proposing}


@member_login_required
@require_GET
def chair(request, competition_pk):
    competition, evaluation, _seat = _chair(request, competition_pk)
    return render(request, T + "chair.html", _chair_context(request, competition, evaluation))


@member_login_required
@require_POST
def sheet_reopen(request, competition_pk, offer_pk):
    competition, evaluation, _seat = _chair(request, competition_pk)
    sheets = list(ScoreSheet.objects.filter(offer_id=offer_pk, offer__competition=competition,
                                            state=SheetState.SUBMITTED, seat__is_active=True)
                  .select_related("seat__user", "offer__organization"))
    form = ReopenForm(request.POST, prefix=f"r{offer_pk}", sheets=sheets)
    if form.is_valid():
        sheet = next(s for s in sheets if s.pk == form.cleaned_data["sheet"])
        try:
            services.sheet_reopen(sheet, actor=request.user, reason=form.cleaned_data["reason"])
        except InvalidData as error:
            for field, problems in error.errors.items():
                for problem in problems:
                    form.add_error(field if field in form.fields else None, problem)
        except WrongState as error:
            form.add_error(None, error.text())
        else:
            messages.success(request, _("The sheet of {member} for the offer of {offeror} is reopened; they "
                                        "can change their scores and submit again.").format(
                member=_name(sheet.seat.user), offeror=sheet.offer.organization.name))
            return redirect(reverse("evaluation:chair", args=[competition.pk]) + f"#offer-{offer_pk}")
    if not sheets:
        raise NotFound()
    context = _chair_context(request, competition, evaluation, reopen_forms={int(offer_pk): form})
    return render(request, T + "chair.html", context, status=400)


@member_login_required
@require_POST
def close_scoring(request, competition_pk):
    competition, evaluation, _seat = _chair(request, competition_pk)
    seats = [m["seat"] for m in selectors.progress(evaluation=evaluation)]
    form = CloseScoringForm(request.POST, seats=seats)
    error = ""
    if form.is_valid():
        try:
            services.evaluation_close_scoring(evaluation, actor=request.user, signed_by=form.signed_by())
        except InvalidData as problem:
            for message in problem.errors.get("signed_by", [problem.text()]):
                form.add_error("present", message)
        except WrongState as problem:
            error = " ".join(r.text() for r in problem.refusals) or problem.text()
        else:
            messages.success(request, _("Scoring is closed. The ranking is below; propose the amounts for "
                                        "the recommended offers."))
            return redirect(reverse("evaluation:chair", args=[competition.pk]) + "#ranking")
    evaluation.refresh_from_db()
    context = _chair_context(request, competition, evaluation, close_form=form, error=error)
    return render(request, T + "chair.html", context, status=409 if error else 400)


@member_login_required
@require_POST
def award_propose(request, competition_pk, area_pk):
    competition, evaluation, _seat = _chair(request, competition_pk)
    area = competition.task_areas.filter(pk=area_pk).first()
    if area is None:
        raise NotFound()
    rows = [row for row in selectors.ranking(evaluation=evaluation, task_area=area)
            if row.award is not None and row.passed]
    forms = {row.award.pk: ProposalForm(row.award, request.POST) for row in rows}
    changed = [form for form in forms.values() if form.changed()]

    def lowering_first(form):
        # A row that lowers its amount goes first, so that it frees the budget for the others.
        amount, _error = parse_decimal(form.value("amount"))
        before = form.award.proposed_amount or Decimal("0")
        return (amount - before) if amount is not None else Decimal("0")

    saved = 0
    for form in sorted(changed, key=lowering_first):
        try:
            services.award_propose(form.award, actor=request.user, amount=form.value("amount"),
                                   justification=form.value("justification"),
                                   cut_reason=form.value("cut_reason"))
        except InvalidData as error:
            form.errors = error.errors
        except WrongState as error:
            form.errors = {"amount": [r.text() for r in error.refusals] or [error.text()]}
        else:
            saved += 1
    failed = [form for form in changed if form.errors]
    if not failed:
        if saved:
            messages.success(request, ngettext("{n} proposal saved for task {number}.",
                                               "{n} proposals saved for task {number}.", saved).format(
                n=saved, number=area.number))
        else:
            messages.info(request, _("Nothing changed in the proposals for task {number}.").format(
                number=area.number))
        return redirect(reverse("evaluation:chair", args=[competition.pk]) + f"#area-{area.number}")
    evaluation.refresh_from_db()
    # the rows saved in this round show their new state; the refused ones keep what was typed
    context = _chair_context(request, competition, evaluation, proposal_forms=forms, proposal_area=area.pk,
                             error=ngettext("{n} proposal was not saved: see the marked field.",
                                            "{n} proposals were not saved: see the marked fields.",
                                            len(failed)).format(n=len(failed)))
    return render(request, T + "chair.html", context, status=400)
