"""The NGO's web pages: registration, the organisation and its people, and the offer —
its form with autosave, the printed form, submission, receipt and versions.

Thin: every read goes through offers.selectors, every write through offers.services, and
the problems of a draft come from offers.form. Nothing typed is lost: a page that could
not save shows what was posted, with the errors at their fields.
"""

from __future__ import annotations

import functools
import re
from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from competitions.models import TaskArea
from competitions.selectors import competition_get, competition_is_staff
from workflow.calendar import format_local, local
from workflow.errors import EditConflict, Forbidden, InvalidData, NotFound, WrongState
from workflow.permissions import has_object_perm
from workflow.services import available_transitions

from . import selectors, services
from .form import (
    DECLARATIONS,
    SECTION_BY_KEY,
    SECTION_KEYS,
    SECTIONS,
    ReadOffer,
    money,
    read_offer,
    read_offer_from_db,
)
from .forms import (
    PAID_CHOICES,
    YES_NO_ARREARS,
    AccountForm,
    AttachmentForm,
    InvitationForm,
    OrganizationChoiceForm,
    OrganizationForm,
    RepresentationForm,
    add_row,
    add_service_errors,
    anchor_keys,
    bind_field,
    bind_rows,
    bind_section,
    field_label,
    flatten,
    remove_row,
    rows_spec,
    section_form,
)
from .models import Invitation, LegalForm, OfferState, RepresentationRole
from .signals import change_allowed

FROZEN_STATES = (OfferState.SUBMITTED, OfferState.WITHDRAWN)
STASH_KEY = "offers.unsaved_section"


def ngo_login_required(view):
    """login_required that also answers htmx autosaves: a lapsed session must not look like a save."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        if getattr(request, "htmx", False):
            return render(
                request,
                "offers/_save_status.html",
                {
                    "oob": True,
                    "status": "failed",
                    "status_text": _(
                        "Not saved: you are logged out. Log in in another tab; what you typed is "
                        "still here and will be saved with your next change."
                    ),
                },
            )
        if (
            request.method == "POST"
            and request.resolver_match
            and request.resolver_match.url_name == "offer_section"
        ):
            # Without JavaScript a lapsed session would drop what was typed: keep it in the session
            # (login keeps the session's data) and put it back in the form after logging in.
            request.session[STASH_KEY] = {"path": request.path, "post": dict(request.POST.lists())}
        return redirect_to_login(request.get_full_path())

    return wrapper


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


# --- registration and the organisation -------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def register(request):
    """A new NGO user and their organisation in one go (or, for a logged-in user, another organisation)."""
    existing_user = request.user if request.user.is_authenticated else None
    account = None if existing_user else AccountForm(request.POST or None, prefix="user")
    organization_form = OrganizationForm(request.POST or None, prefix="org")
    status = 200
    if request.method == "POST":
        account_ok = account.is_valid() if account else True
        if account_ok and organization_form.is_valid():
            try:
                with transaction.atomic():
                    user = existing_user or account.create_user()
                    function = (
                        account.cleaned_data.get("function", "")
                        if account
                        else request.POST.get("org-function", "")
                    )
                    organization = services.organization_register(
                        user=user, function=function, **organization_form.service_fields()
                    )
            except InvalidData as error:
                add_service_errors(organization_form, error)
            else:
                if not existing_user:
                    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(
                    request,
                    _(
                        "The organisation {name} is registered. You administer its profile "
                        "and can invite the others."
                    ).format(name=organization.name),
                )
                return redirect(_safe_next(request, reverse("offers:organization", args=[organization.pk])))
        status = 400
    return render(
        request,
        "offers/register.html",
        {
            "account": account,
            "form": organization_form,
            "next": _safe_next(request, ""),
            "function_value": request.POST.get("org-function", ""),
        },
        status=status,
    )


@ngo_login_required
@require_GET
def organizations(request):
    return render(
        request,
        "offers/organizations.html",
        {
            "organizations": selectors.organizations_for_user(user=request.user),
        },
    )


def _organization_page(request, organization, *, form=None, invite_form=None, status=200):
    is_admin = has_object_perm(request.user, "administer_organization", organization)
    people = list(selectors.representatives_of(organization=organization))
    context = {
        "organization": organization,
        "is_admin": is_admin,
        "people": people,
        "role_forms": {
            p.user_id: RepresentationForm(
                initial={"role": p.role, "function": p.function}, prefix=f"p{p.user_id}"
            )
            for p in people
        }
        if is_admin
        else {},
        "invite_form": invite_form or InvitationForm(),
        # pending invitations of this organisation, shown to its administrators only
        "invitations": organization.invitations.filter(accepted_at__isnull=True).order_by("-created_at")
        if is_admin
        else [],
        "offers": selectors.offer_list_for_user(user=request.user).filter(organization=organization)[:20],
    }
    return render(request, "offers/organization_detail.html", context, status=status)


@ngo_login_required
@require_GET
def organization_detail(request, pk):
    organization = selectors.organization_get(user=request.user, pk=pk)
    return _organization_page(request, organization)


@ngo_login_required
@require_http_methods(["GET", "POST"])
def organization_edit(request, pk):
    organization = selectors.organization_get(user=request.user, pk=pk)
    if not has_object_perm(request.user, "administer_organization", organization):
        raise Forbidden(_("Only the organisation's administrator may change its profile."))
    form = OrganizationForm(request.POST or None, instance=organization, prefix="org")
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.organization_update(
                    organization=organization, actor=request.user, **form.service_fields()
                )
            except InvalidData as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The profile is saved. New offers will be pre-filled with it."))
                return redirect("offers:organization", pk=organization.pk)
        status = 400
        organization.refresh_from_db()
    return render(
        request, "offers/organization_edit.html", {"organization": organization, "form": form}, status=status
    )


@ngo_login_required
@require_POST
def organization_invite(request, pk):
    organization = selectors.organization_get(user=request.user, pk=pk)
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            invitation = services.invitation_create(
                organization=organization, actor=request.user, **form.cleaned_data
            )
        except InvalidData as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The invitation is sent to {email}.").format(email=invitation.email))
            return redirect(reverse("offers:organization", args=[organization.pk]) + "#people")
    return _organization_page(request, organization, invite_form=form, status=400)


@ngo_login_required
@require_POST
def organization_person(request, pk, user_id):
    organization = selectors.organization_get(user=request.user, pk=pk)
    person = next(
        (p for p in selectors.representatives_of(organization=organization) if p.user_id == user_id), None
    )
    if person is None:
        raise NotFound()
    form = RepresentationForm(request.POST, prefix=f"p{user_id}")
    if form.is_valid():
        try:
            services.representation_set(
                organization=organization, user=person.user, actor=request.user, **form.cleaned_data
            )
        except InvalidData as error:
            messages.error(
                request, " ".join(m for msgs in error.errors.values() for m in msgs) or error.text()
            )
        else:
            messages.success(
                request,
                _("The role of {name} is saved.").format(
                    name=person.user.get_full_name() or person.user.username
                ),
            )
    return redirect(reverse("offers:organization", args=[organization.pk]) + "#people")


@require_http_methods(["GET", "POST"])
def invitation(request, token):
    # The token is the secret: whoever holds the link may see which organisation invites them.
    invite = Invitation.objects.select_related("organization", "invited_by").filter(token=token).first()
    if invite is None:
        raise NotFound(_("This invitation does not exist."))
    account = None
    status = 200
    if invite.accepted_at is None and request.method == "POST":
        if request.user.is_authenticated:
            services.invitation_accept(token=token, user=request.user)
            messages.success(request, _("You now represent {name}.").format(name=invite.organization.name))
            return redirect("offers:organization", pk=invite.organization_id)
        account = AccountForm(request.POST, prefix="user", with_function=False)
        if account.is_valid():
            with transaction.atomic():
                user = account.create_user()
                services.invitation_accept(token=token, user=user)
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request,
                _("Your account is ready and you now represent {name}.").format(
                    name=invite.organization.name
                ),
            )
            return redirect("offers:organization", pk=invite.organization_id)
        status = 400
    if account is None and not request.user.is_authenticated:
        account = AccountForm(prefix="user", with_function=False, initial={"email": invite.email})
    return render(
        request,
        "offers/invitation.html",
        {
            "invitation": invite,
            "account": account,
            "role_label": RepresentationRole(invite.role).label,
            "login_url": reverse("login") + "?" + urlencode({"next": request.path}),
        },
        status=status,
    )


# --- my offers and starting one -------------------------------------------------------------------


@ngo_login_required
@require_GET
def my_offers(request):
    offers = list(selectors.offer_list_for_user(user=request.user).order_by("-updated_at", "-pk"))
    return render(
        request,
        "offers/my_offers.html",
        {
            "offers": offers,
            "several_organizations": len({o.organization_id for o in offers}) > 1,
            "now": timezone.now(),
        },
    )


def _task_area(request, raw) -> TaskArea:
    try:
        area = TaskArea.objects.select_related("competition").get(pk=int(raw))
    except (TaskArea.DoesNotExist, TypeError, ValueError) as exc:
        raise NotFound(_("Choose a task of a published competition.")) from exc
    competition_get(user=request.user, pk=area.competition_id)  # 404 unless the user may see it
    return area


@require_http_methods(["GET", "POST"])
def offer_new(request):
    """Start an offer for a task of a published competition; the user chooses which of their
    organisations makes it (the announcement page posts task_area + organization here)."""
    raw_area = request.POST.get("task_area") or request.GET.get("task_area")
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("offers:offer_new") + "?" + urlencode({"task_area": raw_area or ""}))
    area = _task_area(request, raw_area)
    organizations = list(selectors.organizations_for_user(user=request.user, perm="edit_offers"))
    form = OrganizationChoiceForm(request.POST or None, organizations=organizations)
    status = 200
    if request.method == "POST":
        if len(organizations) == 1 and not request.POST.get("organization"):
            form = OrganizationChoiceForm({"organization": organizations[0].pk}, organizations=organizations)
        if form.is_valid():
            organization = next(o for o in organizations if o.pk == form.cleaned_data["organization"])
            offer = services.offer_create(task_area=area, organization=organization, actor=request.user)
            messages.success(
                request, _("The draft is started. It is saved as you type; fill the sections in any order.")
            )
            return redirect("offers:offer_section", pk=offer.pk, section_key="basic")
        status = 400
    return render(
        request,
        "offers/offer_new.html",
        {
            "area": area,
            "competition": area.competition,
            "form": form,
            "organizations": organizations,
            "accepting": area.competition.accepting_offers(),
            "register_url": reverse("offers:register")
            + "?"
            + urlencode({"next": reverse("offers:offer_new") + "?" + urlencode({"task_area": area.pk})}),
        },
        status=status,
    )


# --- the offer form -------------------------------------------------------------------------------


def _can_edit(offer, user, key: str = "") -> bool:
    """A draft, or — while a call to remedy is open — the flagged sections of a submitted offer
    (the later stage says so through offers.signals; the service checks it again)."""
    if not has_object_perm(user, "edit_offers", offer.organization):
        return False
    if offer.state == OfferState.DRAFT:
        return True
    return bool(key) and offer.state == OfferState.SUBMITTED and change_allowed(offer, key)


def _problem_text(problem) -> str:
    return str(problem.message).format(**problem.params) if problem.params else str(problem.message)


def _resolve(key: str, anchors: set[str]) -> str | None:
    while key:
        if key in anchors:
            return key
        key = key.rpartition(".")[0]
    return None


def _translate_positions(key: str, section: str, positions: dict[str, list[int]] | None) -> str:
    """A problem key counts rows by position; the page may number them otherwise (rows removed
    in the browser leave gaps until the page is reloaded)."""
    if not positions:
        return key
    parts = key.split(".")
    if len(parts) >= 3 and parts[0] == section and parts[1] in positions and parts[2].isdigit():
        order = positions[parts[1]]
        position = int(parts[2])
        if position < len(order):
            parts[2] = str(order[position])
    return ".".join(parts)


def _problems_for(read: ReadOffer, section: str, anchors: set[str], positions=None):
    """(errors at the fields {anchor key: [messages]}, the section's list of problems with links)."""
    errors: dict[str, list[str]] = {}
    listed = []
    for problem in read.problems:
        if problem.section != section:
            continue
        key = _translate_positions(problem.key, section, positions)
        anchor = _resolve(key, anchors)
        if anchor:
            errors.setdefault(anchor, []).append(_problem_text(problem))
        listed.append(
            {
                "text": problem.text(),
                "anchor": "f-" + (anchor or section).replace(".", "-"),
                "warning": problem.warning,
            }
        )
    return errors, listed


def _nav(offer, read: ReadOffer, current: str):
    grouped = read.problems_by_section()
    items = []
    for section in SECTIONS:
        problems = grouped.get(section.key, [])
        items.append(
            {
                "key": section.key,
                "number": section.number,
                "title": section.title,
                "count": sum(1 for p in problems if not p.warning),
                "url": reverse("offers:offer_section", args=[offer.pk, section.key]),
                "current": section.key == current,
            }
        )
    return items


def _all_problem_links(offer, read: ReadOffer):
    """Every blocking problem of the offer, each linking to its section (submit refused)."""
    links = []
    for problem in read.blocking:
        url = reverse("offers:offer_section", args=[offer.pk, problem.section])
        section = SECTION_BY_KEY.get(problem.section)
        links.append(
            {
                "text": problem.text(),
                "url": f"{url}#f-{problem.key.replace('.', '-')}",
                "section": f"{section.number} {section.title}" if section else problem.section,
            }
        )
    return links


def _cost_groups(read: ReadOffer, lines_bound: dict):
    """The V.A table grouped as the form is: I (per action I.1, I.2 …), lines with no action, II (admin)."""
    rows_by_position = {row["position"]: row for row in lines_bound["items"]}
    lines_by_index = {line.index: line for line in read.budget.lines}
    for position, row in rows_by_position.items():
        line = lines_by_index.get(position)
        row["label"] = line.label if line else ""
        row["value"] = line.value if line else None
    action_keys = {a.key for a in read.actions}
    groups = []
    for action in read.actions:
        rows = [
            r
            for r in lines_bound["items"]
            if r["data"].get("group") != "admin" and str(r["data"].get("action") or "") == action.key
        ]
        subtotal = sum((r["value"] or Decimal(0) for r in rows), Decimal("0.00"))
        groups.append(
            {
                "id": f"action-{action.key}",
                "label": action.label,
                "name": action.name,
                "rows": rows,
                "action": action.key,
                "subtotal": subtotal,
            }
        )
    unassigned = [
        r
        for r in lines_bound["items"]
        if r["data"].get("group") != "admin" and str(r["data"].get("action") or "") not in action_keys
    ]
    admin = [r for r in lines_bound["items"] if r["data"].get("group") == "admin"]
    return groups, unassigned, admin


def _line_extra(read: ReadOffer, section: str, errors, years):
    from .forms import Field

    action_choices = (("", _("— choose the action —")),) + tuple(
        (a.key, f"{a.label} {a.name}".strip()) for a in read.actions
    )
    action_field = Field("action", _("action (III.4)"), kind="select", choices=action_choices)

    def extra(row, index, key):
        bound = {
            "group": "admin" if row.get("group") == "admin" else "action",
            "action_field": bind_field(
                action_field,
                row.get("action"),
                key=f"{key}.action",
                name=f"lines-{index}-action",
                errors=errors,
            ),
            "year_fields": [],
        }
        raw_years = row.get("years") if isinstance(row.get("years"), list) else []
        if len(years) > 1:
            for y_index, year in enumerate(years):
                value = raw_years[y_index] if y_index < len(raw_years) else ""
                bound["year_fields"].append(
                    bind_field(
                        Field(f"years-{y_index}", _("value in {year}").format(year=year), kind="money"),
                        value,
                        key=f"{key}.years.{y_index}",
                        name=f"lines-{index}-years-{y_index}",
                        errors=errors,
                    )
                )
        return bound

    return extra


def _live_text(read: ReadOffer, section: str, positions=None) -> dict[str, str]:
    """Figures the server computed, by element id, to replace the browser's provisional ones."""
    text: dict[str, str] = {}
    budget = read.budget
    if section == "costs":
        order = (positions or {}).get("lines")
        for line in budget.lines:
            index = order[line.index] if order and line.index < len(order) else line.index
            text[f"lbl-f-costs-lines-{index}"] = line.label
            text[f"val-f-costs-lines-{index}"] = money(line.value) if line.value is not None else "—"
        for action in read.actions:
            subtotal = sum(
                (
                    line.value or Decimal(0)
                    for line in budget.lines
                    if line.group == "action" and line.action_key == action.key
                ),
                Decimal("0.00"),
            )
            text[f"tot-action-{action.key}"] = money(subtotal)
        text["tot-action"] = money(budget.action_total)
        text["tot-admin"] = money(budget.admin_total)
        text["tot-total"] = money(budget.total)
        text["tot-grant"] = money(budget.grant)
    if section == "sources":
        for row in budget.rows():
            number = row["number"].replace(".", "")
            text[f"vb-value-{number}"] = money(row["value"])
            text[f"vb-pct-{number}"] = f"{row['pct']:.2f}".replace(".", ",") + " %"
    return text


def _section_context(
    request,
    offer,
    key,
    *,
    data=None,
    revision=None,
    positions=None,
    read=None,
    conflict=None,
    extra_errors=None,
):
    """Everything the section page (or its autosave answer) draws."""
    competition = offer.competition
    read = read or read_offer_from_db(offer)
    stored = {s.key: s for s in offer.sections.select_related("updated_by")}
    section_row = stored.get(key)
    if data is None:
        data = section_row.data if section_row else {}
    if revision is None:
        revision = section_row.revision if section_row else 0
    context = {
        "offer": offer,
        "competition": competition,
        "section": SECTION_BY_KEY[key],
        "section_key": key,
        "revision": revision,
        "conflict": conflict,
        "read": read,
        "budget": read.budget,
        "edit_url": reverse("offers:offer_section", args=[offer.pk, key]),
        "last_saved": {
            "at": format_local(section_row.updated_at),
            "name": section_row.updated_by.get_full_name() or section_row.updated_by.username,
        }
        if section_row and section_row.updated_by
        else None,
        "split": competition.per_line_grant_split,
        "years": read.years,
        "accepting": competition.accepting_offers(),
    }
    if key == "attachments":
        requirements = list(competition.required_attachments.all())
        errors, listed = _problems_for(read, key, {f"attachments.{r.pk}" for r in requirements})
        attachments = list(
            offer.attachments.filter(removed_at__isnull=True).select_related("requirement", "uploaded_by")
        )
        context.update(
            {
                "requirements": requirements,
                "attachments": attachments,
                "errors": errors,
                "problems": listed,
                "requirement_rows": [
                    {
                        "r": r,
                        "files": [a for a in attachments if a.requirement_id == r.pk],
                        "problem": " ".join(errors.get(f"attachments.{r.pk}", [])),
                    }
                    for r in requirements
                ],
            }
        )
    else:
        questions = list(competition.extra_questions.all()) if key == "questions" else []
        form = section_form(
            key,
            competition=competition,
            task_areas=list(competition.task_areas.all()),
            questions=questions,
            years=read.years,
        )
        errors: dict[str, list[str]] = {}
        bound = bind_section(form, data, errors=errors, positions=positions)
        extras = {
            "costs": ("costs.lines", "costs.admin_total"),
            "sources": ("sources.grant", "sources.total"),
            "partners": ("partners.shares",),
        }.get(key, ())
        lines_bound = None
        if key == "costs":
            lines_bound = bind_rows(
                rows_spec(form, "lines"),
                data.get("lines"),
                section="costs",
                errors=errors,
                positions=(positions or {}).get("lines"),
                extra=_line_extra(read, key, errors, read.years),
            )
            anchors = anchor_keys([{"rows": True, **lines_bound}], extras)
        else:
            anchors = anchor_keys(bound, extras)
        found, listed = _problems_for(read, key, anchors, positions)
        errors.update(found)
        for name, messages_ in (extra_errors or {}).items():
            errors.setdefault(_resolve(name, anchors) or name, []).extend(messages_)
        # bind again so that every field carries its errors (binding reads the dict it is given)
        bound = bind_section(form, data, errors=errors, positions=positions)
        if key == "costs":
            lines_bound = bind_rows(
                rows_spec(form, "lines"),
                data.get("lines"),
                section="costs",
                errors=errors,
                positions=(positions or {}).get("lines"),
                extra=_line_extra(read, key, errors, read.years),
            )
            groups, unassigned, admin = _cost_groups(read, lines_bound)
            context.update(
                {"lines": lines_bound, "cost_groups": groups, "unassigned": unassigned, "admin_rows": admin}
            )
        next_index = max([lines_bound["next_index"]] if lines_bound else [0])
        for item in bound:
            for inner in item.get("items", []) if item.get("group") else [item]:
                if inner.get("rows"):
                    next_index = max(next_index, inner["next_index"])
        ncols = 7 + (1 if competition.per_line_grant_split else 0) + (1 if len(read.years) > 1 else 0)
        context.update(
            {
                "form": form,
                "bound": bound,
                "errors": errors,
                "problems": listed,
                "next_index": next_index,
                "ncols": ncols,
                "rest_cols": ncols - 6,
                "live": {
                    "errors": {"f-" + k.replace(".", "-"): " ".join(v) for k, v in errors.items()},
                    "text": _live_text(read, key, positions),
                },
            }
        )
        if key == "basic":
            context["task_areas"] = list(competition.task_areas.all())
        if key == "sources":
            context["vb_rows"] = read.budget.rows()
    context["nav"] = _nav(offer, read, key)
    context["problem_count"] = len(read.blocking)
    context["nav_count_text"] = ngettext("{n} problem", "{n} problems", len(read.blocking)).format(
        n=len(read.blocking)
    )
    if "live" in context:
        context["live"]["text"]["nav-count"] = context["nav_count_text"]
    return context


def _conflict_rows(form, mine: dict, theirs: dict):
    mine_flat, theirs_flat = flatten(mine), flatten(theirs)
    rows = []
    for key in sorted(set(mine_flat) | set(theirs_flat)):
        if mine_flat.get(key, "") != theirs_flat.get(key, ""):
            rows.append(
                {
                    "field": field_label(form, key),
                    "mine": mine_flat.get(key, ""),
                    "theirs": theirs_flat.get(key, ""),
                }
            )
    return rows


def _visible_offer(request, pk):
    return selectors.offer_get(user=request.user, pk=pk)


@ngo_login_required
@require_GET
def offer_edit(request, pk):
    offer = _visible_offer(request, pk)
    if not _can_edit(offer, request.user):
        return redirect("offers:offer_detail", pk=offer.pk)
    return redirect("offers:offer_section", pk=offer.pk, section_key=SECTION_KEYS[0])


@ngo_login_required
@require_http_methods(["GET", "POST"])
def offer_section(request, pk, section_key):
    offer = _visible_offer(request, pk)
    if section_key not in SECTION_BY_KEY:
        raise NotFound(_("There is no such section of the offer."))
    if not _can_edit(offer, request.user, section_key):
        if request.method == "POST":
            return _save_refused(
                request,
                offer,
                WrongState(
                    _("The offer is {state}; it can no longer be changed.").format(
                        state=offer.get_state_display()
                    )
                ),
            )
        return redirect("offers:offer_detail", pk=offer.pk)
    if request.method == "GET" or section_key == "attachments":
        if section_key == "attachments" and request.method == "POST":
            return redirect("offers:offer_section", pk=offer.pk, section_key="attachments")
        context = _section_context(request, offer, section_key, **_unstash(request, offer, section_key))
        context["attachment_form"] = AttachmentForm(
            requirements=context.get("requirements", ()), max_bytes=settings.POZYTEK_MAX_UPLOAD_BYTES
        )
        return render(request, "offers/offer_form.html", context)
    return _save_section(request, offer, section_key)


def _unstash(request, offer, key) -> dict:
    """What was typed before the session lapsed (see ngo_login_required), back in the form, not yet saved."""
    stash = request.session.get(STASH_KEY)
    if not stash or stash.get("path") != request.path or key == "attachments":
        return {}
    del request.session[STASH_KEY]
    post = QueryDict(mutable=True)
    for name, values in stash["post"].items():
        post.setlist(name, values)
    competition = offer.competition
    form = section_form(
        key,
        competition=competition,
        task_areas=list(competition.task_areas.all()),
        questions=list(competition.extra_questions.all()) if key == "questions" else [],
        years=read_offer_from_db(offer).years,
    )
    current = offer.sections.filter(key=key).first()
    data, _positions = form.parse(post, current.data if current else {})
    try:
        revision = int(post.get("base_revision"))
    except (TypeError, ValueError):
        revision = -1
    messages.warning(
        request,
        _("Your session had ended, so this was not saved. What you typed is back in the form: press “Save”."),
    )
    return {"data": data, "revision": revision}


def _save_refused(request, offer, error):
    if request.htmx:
        return render(
            request,
            "offers/_save_status.html",
            {"oob": True, "status": "failed", "status_text": error.text()},
        )
    messages.error(request, error.text())
    return redirect("offers:offer_detail", pk=offer.pk)


def _save_section(request, offer, key):
    competition = offer.competition
    current = offer.sections.filter(key=key).first()
    current_data = current.data if current else {}
    read_before = read_offer_from_db(offer)
    questions = list(competition.extra_questions.all()) if key == "questions" else []
    form = section_form(
        key,
        competition=competition,
        task_areas=list(competition.task_areas.all()),
        questions=questions,
        years=read_before.years,
    )
    data, positions = form.parse(request.POST, current_data)
    try:
        base = int(request.POST.get("_overwrite") or request.POST.get("base_revision"))
    except (TypeError, ValueError):
        base = -1  # unknown: never overwrite blindly, show the conflict instead
    anchor = ""
    structural = False
    if request.POST.get("_add"):
        # the no-JS "add row": rows_name[:group[:action]]
        rows_name, _sep, rest = request.POST["_add"].partition(":")
        if rows_spec(form, rows_name) is not None:
            values = {}
            if rows_name == "lines":
                group, _sep, action = rest.partition(":")
                values = {"group": "admin" if group == "admin" else "action"}
                if values["group"] == "action":
                    values["action"] = action
            data, position = add_row(data, rows_name, **values)
            anchor = f"#f-{key}-{rows_name}-{position}"
            structural = True
    elif request.POST.get("_remove"):
        rows_name, _sep, position = request.POST["_remove"].partition(":")
        if rows_spec(form, rows_name) is not None and position.isdigit():
            order = positions.get(rows_name, [])
            index = int(position)
            data = remove_row(data, rows_name, order.index(index) if index in order else len(order))
            anchor = f"#f-{key}-{rows_name}"
            structural = True
    unchanged = current is not None and data == current_data and base == current.revision and not structural
    try:
        if not unchanged:
            services.offer_save_section(
                offer=offer, actor=request.user, key=key, data=data, base_revision=base
            )
    except EditConflict as conflict:
        return _conflict_response(request, offer, key, form, data, base, positions, conflict)
    except WrongState as error:
        return _save_refused(request, offer, error)
    except InvalidData as error:
        context = _section_context(
            request,
            offer,
            key,
            data=data,
            revision=base if base >= 0 else None,
            positions=positions if request.htmx else None,
            extra_errors=error.errors,
        )
        context.update(
            {
                "status": "failed",
                "status_text": error.text(),
                "save_errors": [m for msgs in error.errors.values() for m in msgs],
            }
        )
        if request.htmx:
            return render(request, "offers/_autosave.html", context, status=400)
        return render(request, "offers/offer_form.html", context, status=400)
    offer.refresh_from_db()
    saved_at = format_local(timezone.now())[-5:]
    if request.htmx and not structural:
        context = _section_context(request, offer, key, positions=positions)
        context.update({"status": "saved", "status_text": _("Saved at {time}").format(time=saved_at)})
        return render(request, "offers/_autosave.html", context)
    url = reverse("offers:offer_section", args=[offer.pk, key]) + anchor
    messages.success(request, _("Saved at {time}").format(time=saved_at))
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)


def _conflict_response(request, offer, key, form, mine, base, positions, conflict):
    theirs = conflict.theirs
    context = _section_context(
        request,
        offer,
        key,
        data=mine,
        revision=base if base >= 0 else 0,
        positions=positions if request.htmx else None,
    )
    context.update(
        {
            "conflict": {"theirs": theirs, "rows": _conflict_rows(form, mine, theirs.get("data") or {})},
            "status": "failed",
            "status_text": _(
                "Not saved: {name} saved this section at {at}. Compare the two versions below."
            ).format(name=theirs.get("saved_by") or _("someone else"), at=theirs.get("saved_at", "")),
        }
    )
    template = "offers/_autosave.html" if request.htmx else "offers/offer_form.html"
    return render(request, template, context, status=409)


# --- attachments ----------------------------------------------------------------------------------


@ngo_login_required
@require_POST
def attachment_upload(request, pk):
    offer = _visible_offer(request, pk)
    requirements = list(offer.competition.required_attachments.all())
    post, files = request.POST, request.FILES  # parsing the body is what sets upload_too_large
    too_large = getattr(request, "upload_too_large", False)
    form = AttachmentForm(
        post if not too_large else {},
        files if not too_large else {},
        requirements=requirements,
        max_bytes=settings.POZYTEK_MAX_UPLOAD_BYTES,
        upload_too_large=too_large,
    )
    if form.is_valid():
        try:
            attachment = services.attachment_add(
                offer=offer,
                actor=request.user,
                upload=form.cleaned_data["file"],
                requirement_id=form.cleaned_data["requirement"],
                description=form.cleaned_data["description"],
            )
        except InvalidData as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Attached: {name}.").format(name=attachment.filename))
            return redirect("offers:offer_section", pk=offer.pk, section_key="attachments")
    if not _can_edit(offer, request.user, "attachments"):
        raise WrongState(
            _("The offer is {state}; it can no longer be changed.").format(state=offer.get_state_display())
        )
    context = _section_context(request, offer, "attachments")
    context["attachment_form"] = form
    return render(request, "offers/offer_form.html", context, status=400)


def _attachment(request, pk, attachment_pk):
    offer = _visible_offer(request, pk)
    attachment = offer.attachments.filter(pk=attachment_pk, removed_at__isnull=True).first()
    if attachment is None:
        raise NotFound()
    return offer, attachment


@ngo_login_required
@require_GET
def attachment_download(request, pk, attachment_pk):
    _offer, attachment = _attachment(request, pk, attachment_pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise NotFound(_("The file is missing from the store.")) from exc
    return FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.filename,
        content_type=attachment.content_type or "application/octet-stream",
    )


@ngo_login_required
@require_POST
def attachment_remove(request, pk, attachment_pk):
    offer, attachment = _attachment(request, pk, attachment_pk)
    services.attachment_remove(attachment=attachment, actor=request.user)
    messages.success(request, _("Removed: {name}.").format(name=attachment.filename))
    return redirect("offers:offer_section", pk=offer.pk, section_key="attachments")


# --- the printed offer, its transitions, receipt and versions ---------------------------------------


def _read_for_print(offer) -> ReadOffer:
    """A submitted offer is shown as frozen in its snapshot; a draft as it stands."""
    if offer.state in FROZEN_STATES and offer.snapshot:
        competition = offer.competition
        return read_offer(
            offer.snapshot.get("sections") or {},
            competition=competition,
            task_area=offer.task_area,
            questions=competition.extra_questions.all(),
            requirements=competition.required_attachments.all(),
            attachments=offer.attachments.filter(removed_at__isnull=True),
        )
    return read_offer_from_db(offer)


def _print_groups(read: ReadOffer):
    lines = read.budget.lines
    keys = {a.key for a in read.actions}
    groups = []
    for action in read.actions:
        own = [line for line in lines if line.group == "action" and line.action_key == action.key]
        groups.append(
            {
                "label": action.label,
                "name": action.name,
                "lines": own,
                "subtotal": sum((line.value or Decimal(0) for line in own), Decimal("0.00")),
            }
        )
    unassigned = [line for line in lines if line.group == "action" and line.action_key not in keys]
    admin = [line for line in lines if line.group == "admin"]
    return groups, unassigned, admin


def _detail_context(request, offer, **extra):
    read = _read_for_print(offer)
    groups, unassigned, admin = _print_groups(read)
    competition = offer.competition
    data = read.data
    answers = data["questions"].get("answers") if isinstance(data["questions"].get("answers"), dict) else {}
    context = {
        "offer": offer,
        "competition": competition,
        "read": read,
        "data": data,
        "budget": read.budget,
        "cost_groups": groups,
        "unassigned": unassigned,
        "admin_lines": admin,
        "vb_rows": read.budget.rows(),
        "split": competition.per_line_grant_split,
        "sections": SECTIONS,
        "legal_forms": dict(LegalForm.choices),
        "paid_choices": dict(PAID_CHOICES),
        "arrears_choices": dict(YES_NO_ARREARS),
        "questions": [
            {"text": q.text, "answer": answers.get(str(q.pk), "")} for q in competition.extra_questions.all()
        ],
        "attachments": list(offer.attachments.filter(removed_at__isnull=True).select_related("requirement")),
        "task_area_name": f"{offer.task_area.number}. {offer.task_area.name}",
        "can_edit": _can_edit(offer, request.user),
        "is_representative": has_object_perm(request.user, "view_organization", offer.organization),
        "declarations": [(text, data["declarations"].get(name) is True) for name, text in DECLARATIONS],
    }
    if context["is_representative"]:
        context.update(
            {
                # the way forward first, the destructive ones last
                "transitions": sorted(
                    available_transitions(offer, request.user),
                    key=lambda t: {"submit": 0, "withdraw": 1, "discard": 2}.get(t.name, 1),
                ),
                "action_url": reverse("offers:offer_transition", args=[offer.pk]),
                "dangerous": ["withdraw", "discard"],
                "reason_required": [],
            }
        )
        if offer.state == OfferState.DRAFT:
            context["problem_links"] = _all_problem_links(offer, read)
    context.update(extra)
    return context


@ngo_login_required
@require_GET
def offer_detail(request, pk):
    offer = _visible_offer(request, pk)
    return render(request, "offers/offer_detail.html", _detail_context(request, offer))


@ngo_login_required
@require_POST
def offer_transition(request, pk):
    offer = _visible_offer(request, pk)
    name = request.POST.get("transition")
    verbs = {
        "submit": services.offer_submit,
        "withdraw": services.offer_withdraw,
        "discard": services.offer_discard,
    }
    if name not in verbs:
        raise NotFound(_("There is no such action."))
    reason = request.POST.get("reason", "")[:2000]
    try:
        offer = verbs[name](offer, actor=request.user, reason=reason)
    except InvalidData as error:
        return render(
            request,
            "offers/offer_detail.html",
            _detail_context(request, offer, refused=error.text()),
            status=400,
        )
    except WrongState as error:
        return render(
            request,
            "offers/offer_detail.html",
            _detail_context(
                request, offer, refused=error.text(), refusals=[r.text() for r in error.refusals]
            ),
            status=409,
        )
    if name == "submit":
        messages.success(
            request,
            _(
                "The offer is submitted. This receipt confirms it; nothing needs to be "
                "printed or delivered on paper."
            ),
        )
        return redirect("offers:offer_receipt", pk=offer.pk)
    if name == "discard":
        messages.success(request, _("The draft is discarded."))
        return redirect("offers:my_offers")
    messages.success(request, _("The offer is withdrawn."))
    return redirect("offers:offer_detail", pk=offer.pk)


def _submitted_offer(request, pk):
    offer = _visible_offer(request, pk)
    if offer.state not in FROZEN_STATES or offer.submitted_at is None:
        raise NotFound(_("This offer has not been submitted, so there is no receipt."))
    return offer


def receipt_facts(offer) -> list[tuple[str, str]]:
    submitted_by = offer.submitted_by
    return [
        (_("Offer number"), offer.number),
        (_("Offeror"), offer.organization.name),
        (_("Competition"), f"{offer.competition.reference} — {offer.competition.title}"),
        (_("Authority"), offer.competition.authority.name),
        (_("Task"), f"{offer.task_area.number}. {offer.task_area.name}"),
        (_("Title of the task"), offer.title),
        (_("Grant requested"), money(offer.grant_requested)),
        (_("Total cost of the task"), money(offer.total_cost)),
        (_("Submitted at (Polish time)"), format_local(offer.submitted_at)),
        (_("Submitted by"), (submitted_by.get_full_name() or submitted_by.username) if submitted_by else ""),
    ]


@ngo_login_required
@require_GET
def offer_receipt(request, pk):
    offer = _submitted_offer(request, pk)
    synthesis = ((offer.snapshot or {}).get("sections") or {}).get("task", {}).get("synthesis", "")
    return render(
        request,
        "offers/receipt.html",
        {
            "offer": offer,
            "facts": receipt_facts(offer),
            "synthesis": synthesis,
            "submitted_local": local(offer.submitted_at),
        },
    )


@ngo_login_required
@require_GET
def offer_receipt_pdf(request, pk):
    from .receipt import ReceiptFontMissing, receipt_pdf

    offer = _submitted_offer(request, pk)
    try:
        content = receipt_pdf(offer, facts=receipt_facts(offer))
    except ReceiptFontMissing as error:
        return render(request, "workflow/error.html", {"error": WrongState(str(error))}, status=503)
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", offer.number).strip("-")
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="potwierdzenie-{safe}.pdf"'
    return response


@ngo_login_required
@require_GET
def offer_versions(request, pk):
    offer = _visible_offer(request, pk)
    revisions = list(selectors.offer_revisions(offer=offer))
    numbers = [r.number for r in revisions]
    comparison = None
    older = newer = None
    if len(numbers) >= 2:
        try:
            older = int(request.GET.get("older", numbers[1]))
            newer = int(request.GET.get("newer", numbers[0]))
        except (TypeError, ValueError):
            older, newer = numbers[1], numbers[0]
        if older > newer:
            older, newer = newer, older
        if older in numbers and newer in numbers:
            forms_by_section = {}
            rows = []
            for row in selectors.offer_compare(offer=offer, older=older, newer=newer):
                section_key, _dot, rest = row["field"].partition(".")
                section = SECTION_BY_KEY.get(section_key)
                if section_key not in forms_by_section:
                    forms_by_section[section_key] = section_form(section_key, competition=offer.competition)
                label = field_label(forms_by_section[section_key], rest) if rest else section_key
                rows.append(
                    {
                        **row,
                        "section": f"{section.number} {section.title}" if section else section_key,
                        "label": label,
                    }
                )
            comparison = rows
    sections = {s.key: s for s in SECTIONS}
    return render(
        request,
        "offers/versions.html",
        {
            "offer": offer,
            "revisions": revisions,
            "sections": sections,
            "comparison": comparison,
            "older": older,
            "newer": newer,
            "can_edit": _can_edit(offer, request.user),
        },
    )


# --- the authority's staff: the offers of a competition, after the deadline -------------------------


STAFF_PAGE_SIZE = 60


@ngo_login_required
def staff_offers(request, pk: int):
    """The offers of a competition for its authority's staff (after the deadline only counts
    before it). A page of the offers stage, reached from the competition's office page."""
    competition = competition_get(user=request.user, pk=pk)
    if not competition_is_staff(user=request.user, competition=competition):
        raise NotFound()
    summary = selectors.offer_summary(competition=competition)
    visible = competition.state in selectors.STAFF_SEES_OFFERS_FROM
    listed = sum(row["n"] for state, row in summary.items() if state not in selectors.HIDDEN_FROM_STAFF)
    # a national competition has thousands of offers: a page of them at a time, counted by the summary
    paginator = Paginator(selectors.offer_list_for_competition(user=request.user, competition=competition),
                          STAFF_PAGE_SIZE)
    paginator.__dict__["count"] = listed if visible else 0  # known already: no second COUNT query
    page = paginator.get_page(request.GET.get("page"))
    submitted = summary.get(OfferState.SUBMITTED, {})
    return render(request, "competitions/staff_offers.html", {
        "competition": competition,
        "offers": page.object_list,
        "page": page,
        "visible": visible,
        "counts": [(OfferState(state).label, summary.get(state, {}).get("n", 0))
                   for state in (OfferState.SUBMITTED, OfferState.WITHDRAWN, OfferState.DRAFT)],
        "total_requested": submitted.get("grant") or Decimal("0.00"),
        "total_cost": submitted.get("cost") or Decimal("0.00"),
    })
