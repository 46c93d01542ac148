"""The verbs that change organisations and offers. Each runs in one transaction and is
audited; state changes go through workflow.services.transition."""

from __future__ import annotations

import contextlib
import hashlib
import json
import mimetypes
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from competitions.models import TaskArea
from workflow.audit import audit_record, canonical
from workflow.calendar import format_local
from workflow.errors import EditConflict, Forbidden, InvalidData, NotFound, WrongState
from workflow.notifications import notify
from workflow.permissions import forget, has_object_perm
from workflow.services import transition

from .form import DATA_SECTION_KEYS, read_offer_from_db, without_nul
from .models import (
    ROLE_PERMISSIONS,
    CostLine,
    Invitation,
    Offer,
    OfferAttachment,
    OfferRevision,
    OfferSection,
    OfferState,
    Organization,
    Representation,
    RepresentationRole,
)
from .signals import change_allowed

MAX_SECTION_BYTES = 400_000
ALLOWED_ATTACHMENT_TYPES = {
    ".pdf": ("application/pdf", b"%PDF"),
    ".jpg": ("image/jpeg", b"\xff\xd8\xff"),
    ".jpeg": ("image/jpeg", b"\xff\xd8\xff"),
    ".png": ("image/png", b"\x89PNG"),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", b"PK"),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK"),
    ".odt": ("application/vnd.oasis.opendocument.text", b"PK"),
    ".ods": ("application/vnd.oasis.opendocument.spreadsheet", b"PK"),
}
PROFILE_FIELDS = ("name", "legal_form", "krs", "other_register", "nip", "regon", "street", "postal_code", "city",
                  "correspondence_address", "email", "phone", "website")


def _clean(instance) -> None:
    try:
        instance.full_clean()
    except ValidationError as exc:
        raise InvalidData(exc.message_dict) from exc


# --- organisations and the people who represent them ------------------------------------------------


def _grant(organization: Organization, user, role: str) -> None:
    for codename in ROLE_PERMISSIONS[RepresentationRole.ADMIN]:
        remove_perm(f"offers.{codename}", user, organization)
    for codename in ROLE_PERMISSIONS[role]:
        assign_perm(f"offers.{codename}", user, organization)
    forget(user)


def organization_register(*, user, function: str = "", **fields: Any) -> Organization:
    """A new NGO user registers their organisation and becomes its administrator."""
    if "bank_account" in fields and fields["bank_account"]:
        from .identifiers import clean_bank_account

        # if it does not clean, the field's validator reports it below with every other field's error
        with contextlib.suppress(ValueError):
            fields["bank_account"] = clean_bank_account(fields["bank_account"])
    organization = Organization(**fields)
    _clean(organization)
    if not organization.krs and not organization.other_register:
        raise InvalidData({"krs": [_("Give the KRS number or the other register and number.")]})
    with transaction.atomic():
        organization.save()
        Representation.objects.create(organization=organization, user=user, role=RepresentationRole.ADMIN,
                                      function=function)
        _grant(organization, user, RepresentationRole.ADMIN)
        audit_record(subject=organization, action="offers.organization.register", actor=user, actor_role="ngo_admin",
                     payload={"name": organization.name, "krs": organization.krs, "nip": organization.nip})
    return organization


def _require_admin(organization: Organization, actor) -> None:
    if not has_object_perm(actor, "administer_organization", organization):
        raise Forbidden(_("Only the organisation's administrator may do this."))


def organization_update(*, organization: Organization, actor, **fields: Any) -> Organization:
    _require_admin(organization, actor)
    if fields.get("bank_account"):
        from .identifiers import clean_bank_account

        # if it does not clean, the field's validator reports it in _clean with every other field's error
        with contextlib.suppress(ValueError):
            fields["bank_account"] = clean_bank_account(fields["bank_account"])
    with transaction.atomic():
        organization = Organization.objects.select_for_update().get(pk=organization.pk)
        changed = {k: v for k, v in fields.items() if getattr(organization, k) != v}
        for name, value in changed.items():
            setattr(organization, name, value)
        _clean(organization)
        if not organization.krs and not organization.other_register:
            raise InvalidData({"krs": [_("Give the KRS number or the other register and number.")]})
        if changed:
            organization.save()
            audit_record(subject=organization, action="offers.organization.update", actor=actor,
                         actor_role="ngo_admin", payload={"changed": sorted(changed)}, subject_locked=True)
    return organization


def representation_set(*, organization: Organization, user, role: str, function: str = "", actor) -> Representation:
    _require_admin(organization, actor)
    if role not in RepresentationRole.values:
        raise InvalidData({"role": [_("Unknown role.")]})
    with transaction.atomic():
        locked = Organization.objects.select_for_update().get(pk=organization.pk)
        current = Representation.objects.filter(organization=locked, user=user).first()
        if current and current.role == RepresentationRole.ADMIN and role != RepresentationRole.ADMIN:
            others = Representation.objects.filter(organization=locked, role=RepresentationRole.ADMIN,
                                                   is_active=True).exclude(user=user)
            if not others.exists():
                raise InvalidData({"role": [_("The organisation must keep at least one administrator.")]})
        representation, _created = Representation.objects.update_or_create(
            organization=locked, user=user, defaults={"role": role, "function": function, "is_active": True})
        _grant(locked, user, role)
        audit_record(subject=locked, action="offers.organization.set_representative", actor=actor,
                     actor_role="ngo_admin", payload={"user": user.pk, "role": role}, subject_locked=True)
    return representation


def invitation_create(*, organization: Organization, email: str, role: str, function: str = "",
                      actor) -> Invitation:
    _require_admin(organization, actor)
    if role not in RepresentationRole.values:
        raise InvalidData({"role": [_("Unknown role.")]})
    invitation = Invitation(organization=organization, email=email.strip().lower(), role=role, function=function,
                            invited_by=actor)
    _clean(invitation)
    with transaction.atomic():
        invitation.save()
        audit_record(subject=organization, action="offers.organization.invite", actor=actor, actor_role="ngo_admin",
                     payload={"invitation": invitation.pk, "role": role})
        transaction.on_commit(lambda: _send_invitation(invitation))
    return invitation


def _send_invitation(invitation: Invitation) -> None:
    from django.core.mail import send_mail

    link = f"{settings.SITE_URL}/ngo/invitations/{invitation.token}/"
    send_mail(
        _("Invitation to represent {organization}").format(organization=invitation.organization.name),
        _("You have been invited to act for {organization} in Pożytek. Accept here: {link}").format(
            organization=invitation.organization.name, link=link),
        None, [invitation.email],
    )


def invitation_accept(*, token, user) -> Representation:
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().select_related("organization").filter(token=token).first()
        if invitation is None:
            raise NotFound(_("This invitation does not exist."))
        if invitation.accepted_at is not None:
            raise WrongState(_("This invitation has already been used."), code="invitation_used")
        invitation.accepted_at, invitation.accepted_by = timezone.now(), user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        representation, _created = Representation.objects.update_or_create(
            organization=invitation.organization, user=user,
            defaults={"role": invitation.role, "function": invitation.function, "is_active": True})
        _grant(invitation.organization, user, invitation.role)
        audit_record(subject=invitation.organization, action="offers.organization.accept_invitation", actor=user,
                     actor_role="ngo_" + invitation.role,
                     payload={"invitation": invitation.pk, "role": invitation.role})
    return representation


# --- offers ---------------------------------------------------------------------------------------


def _profile_prefill(organization: Organization, actor) -> dict[str, Any]:
    data = {name: getattr(organization, name) for name in PROFILE_FIELDS}
    data.update({"contact_name": actor.get_full_name(), "contact_email": actor.email, "contact_phone": ""})
    return data


def offer_create(*, task_area: TaskArea, organization: Organization, actor) -> Offer:
    """Start a draft offer for a task of a published competition, pre-filled from the profile.
    One organisation may file several offers in one competition (hard rule 3)."""
    if not has_object_perm(actor, "edit_offers", organization):
        raise Forbidden(_("You do not draft offers for {organization}.").format(organization=organization.name))
    competition = task_area.competition
    if not competition.accepting_offers():
        raise WrongState(_("The competition is not accepting offers."), code="competition_not_open")
    with transaction.atomic():
        offer = Offer.objects.create(competition=competition, task_area=task_area, organization=organization,
                                     created_by=actor)
        initial = {
            "basic": {"task_area": task_area.pk},
            "offeror": _profile_prefill(organization, actor),
            "declarations": {"signatories": [
                {"name": r.user.get_full_name(), "function": r.function}
                for r in organization.representations.filter(
                    is_active=True, role__in=[RepresentationRole.ADMIN, RepresentationRole.SIGNATORY]
                ).select_related("user")
            ]},
        }
        for number, (key, data) in enumerate(initial.items(), start=1):
            OfferSection.objects.create(offer=offer, key=key, data=data, revision=number, updated_by=actor)
            OfferRevision.objects.create(offer=offer, number=number, section=key, data=data, author=actor)
        offer.last_revision = len(initial)
        offer.save(update_fields=["last_revision"])
        audit_record(subject=offer, action="offers.offer.create", actor=actor, actor_role="ngo_editor",
                     target_state=offer.state, payload={"task_area": task_area.pk, "organization": organization.pk})
    return offer


def _require_editable_draft(offer: Offer, actor, key: str = "") -> None:
    if not has_object_perm(actor, "edit_offers", offer.organization):
        raise Forbidden(_("You do not draft offers for {organization}.").format(organization=offer.organization.name))
    if offer.state == OfferState.SUBMITTED and key and change_allowed(offer, key):
        return  # a later stage (a call to remedy) lets the offeror change this part
    if offer.state != OfferState.DRAFT:
        raise WrongState(_("The offer is {state}; it can no longer be changed.").format(
            state=offer.get_state_display()), code="not_draft")



def offer_save_section(*, offer: Offer, actor, key: str, data: Any, base_revision: int | None) -> OfferSection:
    """Save one section of a draft as typed. Validation never blocks this (hard rule 4).

    `base_revision` is the revision of the section the user started from: if someone has
    saved the section since, nothing is overwritten and EditConflict carries their version.
    """
    if key not in DATA_SECTION_KEYS:
        raise NotFound(_("There is no section “{key}”.").format(key=key))
    if not isinstance(data, dict):
        raise InvalidData({key: [_("A section is a set of fields.")]})
    encoded = json.dumps(data, ensure_ascii=False, default=str)
    if len(encoded.encode("utf-8")) > MAX_SECTION_BYTES:
        raise InvalidData({key: [_("This section is too long to save ({size} kB, at most {limit} kB).").format(
            size=len(encoded) // 1000, limit=MAX_SECTION_BYTES // 1000)]})
    data = without_nul(json.loads(encoded))
    with transaction.atomic():
        locked = Offer.objects.select_for_update().select_related("organization", "competition").get(pk=offer.pk)
        _require_editable_draft(locked, actor, key)
        section, _created = OfferSection.objects.select_for_update().get_or_create(offer=locked, key=key)
        if base_revision is not None and section.revision != base_revision:
            raise EditConflict(theirs={
                "revision": section.revision, "data": section.data,
                "saved_by": section.updated_by.get_full_name() if section.updated_by else "",
                "saved_at": format_local(section.updated_at),
            })
        if key == "basic":
            _change_task_area(locked, data)
        locked.last_revision += 1
        OfferRevision.objects.create(offer=locked, number=locked.last_revision, section=key, data=data, author=actor)
        section.data, section.revision, section.updated_by = data, locked.last_revision, actor
        section.save()
        read = read_offer_from_db(locked)
        locked.title = str(read.data["task"].get("title") or "").strip()[:500]
        locked.total_cost = read.budget.total if read.budget.lines else None
        locked.grant_requested = read.budget.grant if read.budget.lines or read.budget.grant else None
        locked.save(update_fields=["task_area", "title", "total_cost", "grant_requested", "last_revision",
                                   "updated_at"])
    return section


def _change_task_area(offer: Offer, data: dict) -> None:
    try:
        area_id = int(data.get("task_area"))
    except (TypeError, ValueError) as exc:
        raise InvalidData({"basic.task_area": [_("Choose a task of this competition.")]}) from exc
    area = TaskArea.objects.filter(pk=area_id, competition_id=offer.competition_id).first()
    if area is None:
        # §3.4 rule 12: the type of task must be one of the competition's tasks
        raise InvalidData({"basic.task_area": [_("Choose a task of this competition.")]})
    offer.task_area = area


def _sniff(upload) -> bytes:
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    return head


def attachment_add(*, offer: Offer, actor, upload, requirement_id: int | None = None,
                   description: str = "") -> OfferAttachment:
    """Attach a file to a draft: size and type checked by content, stored outside the web root."""
    import os

    errors: dict[str, list[str]] = {}
    limit = settings.POZYTEK_MAX_UPLOAD_BYTES
    extension = os.path.splitext(upload.name or "")[1].lower()
    if upload.size > limit:
        errors["file"] = [_("The file is too large: {size} MB, at most {limit} MB.").format(
            size=round(upload.size / 1048576, 1), limit=limit // 1048576)]
    elif extension not in ALLOWED_ATTACHMENT_TYPES:
        errors["file"] = [_("Files of type “{ext}” are not accepted; use PDF, JPG, PNG, DOCX, XLSX, ODT or ODS."
                            ).format(ext=extension or "?")]
    elif not _sniff(upload).startswith(ALLOWED_ATTACHMENT_TYPES[extension][1]):
        errors["file"] = [_("The file's content is not a {ext} file.").format(ext=extension.upper().lstrip("."))]
    if errors:
        raise InvalidData(errors)
    requirement = None
    if requirement_id:
        requirement = offer.competition.required_attachments.filter(pk=requirement_id).first()
        if requirement is None:
            raise InvalidData({"requirement": [_("Choose one of the announcement's attachments.")]})
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    with transaction.atomic():
        locked = Offer.objects.select_for_update().select_related("organization").get(pk=offer.pk)
        _require_editable_draft(locked, actor, "attachments")
        attachment = OfferAttachment(
            offer=locked, requirement=requirement, filename=os.path.basename(upload.name)[:255],
            content_type=ALLOWED_ATTACHMENT_TYPES[extension][0] or mimetypes.guess_type(upload.name)[0] or "",
            size=upload.size, sha256=digest.hexdigest(), description=description[:300], uploaded_by=actor)
        upload.seek(0)
        attachment.file.save(attachment.filename, upload, save=False)
        attachment.save()
        audit_record(subject=locked, action="offers.offer.attach", actor=actor, actor_role="ngo_editor",
                     payload={"attachment": attachment.pk, "filename": attachment.filename, "sha256": attachment.sha256,
                              "size": attachment.size, "requirement": requirement_id}, subject_locked=True)
    return attachment


def attachment_remove(*, attachment: OfferAttachment, actor) -> None:
    with transaction.atomic():
        locked = Offer.objects.select_for_update().select_related("organization").get(pk=attachment.offer_id)
        _require_editable_draft(locked, actor, "attachments")
        attachment.removed_at = timezone.now()
        attachment.save(update_fields=["removed_at"])
        audit_record(subject=locked, action="offers.offer.remove_attachment", actor=actor, actor_role="ngo_editor",
                     payload={"attachment": attachment.pk, "sha256": attachment.sha256}, subject_locked=True)


def offer_snapshot(offer: Offer) -> dict[str, Any]:
    """The frozen content of a submitted offer: every section, the budget as computed, the
    offeror's profile and the attachments' hashes."""
    read = read_offer_from_db(offer)
    budget = read.budget
    organization = offer.organization
    return canonical({
        "offer": offer.pk,
        "number": offer.number,
        "competition": {"id": offer.competition_id, "reference": offer.competition.reference,
                        "title": offer.competition.title, "authority": offer.competition.authority.name,
                        "version": offer.competition.version},
        "task_area": {"id": offer.task_area_id, "number": offer.task_area.number, "name": offer.task_area.name,
                      "form": offer.task_area.form},
        "organization": {"id": organization.pk, **{f: getattr(organization, f) for f in PROFILE_FIELDS}},
        "sections": read.data,
        "budget": {
            "lines": [{"label": line.label, "group": line.group, "name": line.name, "unit": line.unit,
                       "unit_cost": line.unit_cost, "units": line.units, "value": line.value,
                       "grant_part": line.grant_part, "years": line.year_values} for line in budget.lines],
            "action_total": budget.action_total, "admin_total": budget.admin_total, "total": budget.total,
            "grant": budget.grant, "sources": budget.sources,
            "rows": [{"number": r["number"], "value": r["value"], "pct": r["pct"]} for r in budget.rows()],
        },
        "years": read.years,
        "attachments": [{"id": a.pk, "filename": a.filename, "sha256": a.sha256, "size": a.size,
                         "requirement": a.requirement_id}
                        for a in offer.attachments.filter(removed_at__isnull=True).order_by("pk")],
    })


def snapshot_hash(snapshot: dict[str, Any]) -> str:
    encoded = json.dumps(snapshot, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def _write_cost_lines(offer: Offer, lines: list[dict], replace: bool = False) -> None:
    """The V.A lines of the frozen content as rows, for the stages that follow. They are a
    projection of the snapshot (which is kept), so a refreeze writes them anew."""
    if replace:
        CostLine.objects.filter(offer=offer).delete()
    CostLine.objects.bulk_create([
        CostLine(offer=offer, position=i, label=line["label"], group=line["group"], name=line["name"][:500],
                 unit=line["unit"][:100], unit_cost=line["unit_cost"], units=line["units"], value=line["value"],
                 grant_part=line["grant_part"] or 0, year_values=line["years"])
        for i, line in enumerate(lines, start=1)
    ])


def offer_submit(offer: Offer, *, actor, reason: str = "") -> Offer:
    """Submit: refused one minute after the deadline by the server clock; freezes the content,
    stores its SHA-256, writes out the cost lines and e-mails the receipt."""

    def freeze(locked: Offer) -> dict[str, Any]:
        snapshot = offer_snapshot(locked)
        snapshot["submitted_at"] = canonical(locked.submitted_at)
        snapshot["submitted_by"] = actor.pk
        locked.snapshot, locked.snapshot_sha256, locked.submitted_by = snapshot, snapshot_hash(snapshot), actor
        budget = snapshot["budget"]
        # Decimal, not the snapshot's strings: the returned offer is used as it is, unreloaded
        locked.total_cost, locked.grant_requested = Decimal(budget["total"]), Decimal(budget["grant"])
        _write_cost_lines(locked, budget["lines"])
        return {"sha256": locked.snapshot_sha256, "grant_requested": budget["grant"], "total_cost": budget["total"]}

    with transaction.atomic():
        submitted = transition(offer, "submit", actor=actor, reason=reason, effect=freeze)
        notify(key=f"offer.{submitted.pk}.receipt", recipients=[actor],
               subject=_("Offer submitted: {title}").format(title=submitted.title),
               body=_("Your offer no. {number} was submitted on {at}. SHA-256 of its content: {sha}. "
                      "The receipt is the confirmation of submission; you need not deliver a paper copy.").format(
                   number=submitted.number, at=format_local(submitted.submitted_at), sha=submitted.snapshot_sha256),
               link=f"/offers/{submitted.pk}/receipt/")
    return submitted


def offer_withdraw(offer: Offer, *, actor, reason: str = "") -> Offer:
    return transition(offer, "withdraw", actor=actor, reason=reason)


def offer_discard(offer: Offer, *, actor, reason: str = "") -> Offer:
    return transition(offer, "discard", actor=actor, reason=reason)


def offer_copy(*, offer: Offer, actor, task_area: TaskArea) -> Offer:
    """Start a new draft from an earlier offer's content (the archive every NGO asks for)."""
    new = offer_create(task_area=task_area, organization=offer.organization, actor=actor)
    sections = {s.key: s.data for s in offer.sections.all()}
    for key, data in sections.items():
        if key in ("basic", "questions"):
            continue
        current = new.sections.filter(key=key).values_list("revision", flat=True).first()
        offer_save_section(offer=new, actor=actor, key=key, data=data, base_revision=current or 0)
    new.refresh_from_db()
    return new


def offer_refreeze(*, offer: Offer, actor, reason: str) -> Offer:
    """Freeze a submitted offer again after a change a later stage allowed (a remedy): a new
    snapshot and hash, the cost lines written out again; the previous hash stays in the trail."""
    with transaction.atomic():
        locked = Offer.objects.select_for_update().select_related("competition__authority", "task_area",
                                                                  "organization").get(pk=offer.pk)
        if locked.state != OfferState.SUBMITTED:
            raise WrongState(_("Only a submitted offer is frozen again."), code="not_submitted")
        previous = locked.snapshot_sha256
        snapshot = offer_snapshot(locked)
        snapshot["submitted_at"] = canonical(locked.submitted_at)
        snapshot["submitted_by"] = locked.submitted_by_id
        snapshot["refrozen"] = {"at": canonical(timezone.now()), "by": actor.pk, "reason": reason,
                                "previous_sha256": previous}
        locked.snapshot, locked.snapshot_sha256 = snapshot, snapshot_hash(snapshot)
        budget = snapshot["budget"]
        locked.total_cost, locked.grant_requested = Decimal(budget["total"]), Decimal(budget["grant"])
        locked.save(update_fields=["snapshot", "snapshot_sha256", "total_cost", "grant_requested", "updated_at"])
        _write_cost_lines(locked, budget["lines"], replace=True)
        audit_record(subject=locked, action="offers.offer.refreeze", actor=actor, actor_role="ngo_signatory",
                     subject_locked=True, reason=reason,
                     payload={"previous_sha256": previous, "sha256": locked.snapshot_sha256,
                              "grant_requested": budget["grant"], "total_cost": budget["total"]})
    return locked
