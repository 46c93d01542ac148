"""The verbs that change authorities and competitions. Each one checks, writes and
audits in one transaction; state changes go through workflow.services.transition."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm

from workflow.audit import audit_record
from workflow.calendar import format_local, local_date
from workflow.errors import Forbidden, InvalidData, WrongState
from workflow.permissions import forget
from workflow.services import transition

from .models import (
    ROLE_PERMISSION,
    Authority,
    AuthorityRole,
    CancellationGround,
    Channel,
    Competition,
    CompetitionState,
    PublicationKind,
    PublicationRecord,
    has_role,
)

EDITABLE_STATES = (CompetitionState.DRAFT,)


def authority_grant_role(*, authority: Authority, user, role: str, actor=None) -> None:
    """Give `user` a role in `authority`: membership of the authority's role group,
    which holds the role's object permission on the authority."""
    if role not in ROLE_PERMISSION:
        raise InvalidData({"role": [_("Unknown role.")]})
    with transaction.atomic():
        group = authority.role_group(role)
        assign_perm(f"competitions.{ROLE_PERMISSION[role]}", group, authority)
        user.groups.add(group)
        audit_record(subject=authority, action="competitions.authority.grant_role", actor=actor,
                     actor_role="admin" if actor else "system", payload={"user": user.pk, "role": role})
    forget(user)


def authority_revoke_role(*, authority: Authority, user, role: str, actor=None) -> None:
    with transaction.atomic():
        user.groups.remove(authority.role_group(role))
        audit_record(subject=authority, action="competitions.authority.revoke_role", actor=actor,
                     actor_role="admin" if actor else "system", payload={"user": user.pk, "role": role})
    forget(user)


def _require_officer(competition: Competition, actor) -> None:
    if not has_role(actor, competition.authority, AuthorityRole.OFFICER):
        raise Forbidden(_("Only a competition officer of {authority} may change this."),
                        params={"authority": competition.authority.name})


def _require_editable(competition: Competition) -> None:
    if competition.state not in EDITABLE_STATES:
        raise WrongState(_("The announcement can be changed only as a draft; it is “{state}”. "
                           "Return it to draft first."), params={"state": competition.get_state_display()},
                         code="not_editable")


def _full_clean(instance) -> None:
    from django.core.exceptions import ValidationError
    from django_fsm import FSMFieldMixin

    # A protected FSMField refuses even clean_fields() re-assigning it; the state is the machine's business.
    states = [f.name for f in instance._meta.fields if isinstance(f, FSMFieldMixin)]
    try:
        instance.full_clean(exclude=states)
    except ValidationError as exc:
        raise InvalidData(exc.message_dict) from exc


def competition_create(*, authority: Authority, actor, **fields: Any) -> Competition:
    if not has_role(actor, authority, AuthorityRole.OFFICER):
        raise Forbidden(_("Only a competition officer of {authority} may announce a competition."),
                        params={"authority": authority.name})
    competition = Competition(authority=authority, **fields)
    _full_clean(competition)
    with transaction.atomic():
        competition.save()
        audit_record(subject=competition, action="competitions.competition.create", actor=actor,
                     actor_role=AuthorityRole.OFFICER, target_state=competition.state, payload=fields)
    return competition


def competition_update(*, competition: Competition, actor, **fields: Any) -> Competition:
    _require_officer(competition, actor)
    with transaction.atomic():
        competition = Competition.objects.select_for_update().get(pk=competition.pk)
        _require_editable(competition)
        changed = {}
        for name, value in fields.items():
            if getattr(competition, name) != value:
                changed[name] = value
                setattr(competition, name, value)
        _full_clean(competition)
        if changed:
            competition.save(update_fields=[*changed, "updated_at"])
            audit_record(subject=competition, action="competitions.competition.update", actor=actor,
                         actor_role=AuthorityRole.OFFICER, payload=changed, subject_locked=True)
    return competition


def competition_item_save(*, competition: Competition, actor, model, instance=None, **fields: Any):
    """Create or change one configured item of a draft competition: a task area, a criterion,
    a checklist item, a required attachment, an extra question or a prior-year figure."""
    _require_officer(competition, actor)
    with transaction.atomic():
        locked = Competition.objects.select_for_update().get(pk=competition.pk)
        _require_editable(locked)
        item = instance or model()
        for name, value in fields.items():
            setattr(item, name, value)
        _full_clean(item)
        item.save()
        audit_record(subject=locked, action=f"competitions.{model._meta.model_name}.save", actor=actor,
                     actor_role=AuthorityRole.OFFICER, payload={"id": item.pk, **fields}, subject_locked=True)
    return item


def competition_item_remove(*, competition: Competition, actor, instance) -> None:
    """Remove a configured item while the announcement is still a draft (never after approval)."""
    _require_officer(competition, actor)
    with transaction.atomic():
        locked = Competition.objects.select_for_update().get(pk=competition.pk)
        _require_editable(locked)
        payload = {"id": instance.pk, "what": str(instance)}
        instance.delete()
        audit_record(subject=locked, action=f"competitions.{type(instance)._meta.model_name}.remove", actor=actor,
                     actor_role=AuthorityRole.OFFICER, payload=payload, subject_locked=True)


def publication_record(*, competition: Competition, actor, channel: str, published_on: dt.date, url: str = "",
                       kind: str = PublicationKind.ANNOUNCEMENT) -> PublicationRecord:
    """Record that a notice appeared on a channel (art. 13 ust. 3). The announcement's
    own channels are recorded after approval and before publication."""
    _require_officer(competition, actor)
    errors: dict[str, list[str]] = {}
    if channel not in Channel.values:
        errors["channel"] = [_("Unknown channel.")]
    if published_on > timezone.localdate():
        errors["published_on"] = [_("A publication cannot be recorded before it happens.")]
    if errors:
        raise InvalidData(errors)
    with transaction.atomic():
        locked = Competition.objects.select_for_update().get(pk=competition.pk)
        if kind == PublicationKind.ANNOUNCEMENT and locked.state not in (
            CompetitionState.APPROVED, CompetitionState.PUBLISHED
        ):
            raise WrongState(_("Publication of the announcement is recorded once it is approved."),
                             code="not_approved")
        if kind == PublicationKind.ANNOUNCEMENT and locked.approved_at and published_on < local_date(
                locked.approved_at):
            # an earlier date would shorten, on paper, the 21 days of art. 13 ust. 1
            raise InvalidData({"published_on": [_("The announcement was approved on {date}; it cannot have been "
                                                  "published before that.").format(
                date=local_date(locked.approved_at).strftime("%d.%m.%Y"))]})
        record, _created = PublicationRecord.objects.update_or_create(
            competition=locked, kind=kind, version=locked.version, channel=channel,
            defaults={"published_on": published_on, "url": url, "recorded_by": actor},
        )
        audit_record(subject=locked, action="competitions.competition.record_publication", actor=actor,
                     actor_role=AuthorityRole.OFFICER, subject_locked=True,
                     payload={"kind": kind, "channel": channel, "published_on": published_on, "url": url,
                              "version": locked.version})
    return record


def competition_extend_deadline(competition: Competition, *, actor, new_deadline: dt.datetime,
                                reason: str) -> Competition:
    """Move the deadline later (e.g. after an outage): audited, published as a change of the
    announcement, and every organisation with an unsubmitted draft is told."""
    errors: dict[str, list[str]] = {}
    new_deadline = new_deadline.replace(second=0, microsecond=0)
    if not reason.strip():
        errors["reason"] = [_("Give the reason for the extension; it is published with it.")]
    if new_deadline <= timezone.now():
        errors["new_deadline"] = [_("The new deadline must be in the future.")]
    elif competition.submission_deadline and new_deadline <= competition.submission_deadline:
        errors["new_deadline"] = [_("The new deadline must be later than the current one ({current})."
                                    ).format(current=format_local(competition.submission_deadline))]
    if errors:
        raise InvalidData(errors)
    with transaction.atomic():
        # Organisations with unsubmitted drafts are owed a notice (offers/receivers.py), written in this
        # transaction; the e-mails go once it commits.
        competition = transition(competition, "extend_deadline", actor=actor, reason=reason,
                                 new_deadline=new_deadline)
    return competition


def competition_close_due_submissions(now: dt.datetime | None = None) -> list[int]:
    """Beat's half of the deadline: close every competition whose deadline has passed.
    The other half, the clock guard on submit, does not depend on this running."""
    closed = []
    due = Competition.objects.filter(state=CompetitionState.PUBLISHED,
                                     submission_deadline__lt=(now or timezone.now()).replace(second=0, microsecond=0))
    for competition in due:
        try:
            transition(competition, "close_submissions", actor=None)
        except WrongState:
            continue  # extended or closed by someone else meanwhile
        closed.append(competition.pk)
    return closed


def competition_cancel(competition: Competition, *, actor, reason: str, ground: str = "") -> Competition:
    errors: dict[str, list[str]] = {}
    if not reason.strip():
        errors["reason"] = [_("Give the reason for the cancellation; it is published.")]
    if ground and ground not in CancellationGround.values:
        errors["ground"] = [_("Choose one of the grounds for cancellation.")]
    elif ground in (CancellationGround.NO_OFFERS, CancellationGround.NO_VALID_OFFERS) and (
        ground not in competition.statutory_cancellation_grounds()
    ):
        errors["ground"] = [_("This ground does not apply to the competition now.")]
    elif ground == CancellationGround.RESERVATION and not competition.cancellation_reservation.strip():
        errors["ground"] = [_("The announcement reserves no right to cancel.")]
    if errors:
        raise InvalidData(errors)
    return transition(competition, "cancel", actor=actor, reason=reason, ground=ground)
