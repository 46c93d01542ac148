"""The one transition service: every state change in the system goes through here.

    transition(offer, "submit", actor=user, reason="", **kwargs)

In one database transaction it: locks the row; checks that the transition exists
from the current state (409), that the actor may do it (403) and that its guards
pass (409, or 400 where a guard reports field errors); runs the django-fsm
transition; lets the calling service apply its effect (e.g. freeze a snapshot);
saves; writes the audit event; and tells the later stages (transition_performed) inside the
transaction, so that what they owe (e.g. notifications) is written with it. If any
step fails nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from .audit import audit_record
from .errors import Forbidden, InvalidData, NotFound, Refusal, WrongState
from .guards import explain_conditions
from .rules import Rule
from .signals import transition_guard, transition_performed


def _fsm_meta(instance: models.Model, name: str):
    method = getattr(type(instance), name, None)
    meta = getattr(method, "_django_fsm", None)
    if meta is None or name.startswith("_"):
        raise NotFound(_("There is no such action: “{name}”."), params={"name": name}, code="unknown_transition")
    return meta


def state_of(instance: models.Model, meta) -> str:
    return meta.field.get_state(instance)


# The *_label_lazy forms keep gettext_lazy labels unrendered, so that a Refusal built with them
# reads in Polish as message_pl and in English as message_en, whatever language is active.
def state_label_lazy(meta, state: str):
    return dict(meta.field.flatchoices).get(state, state)


def state_label(instance: models.Model, meta, state: str) -> str:
    return str(state_label_lazy(meta, state))


def transition_label_lazy(instance: models.Model, name: str, meta=None):
    meta = meta or _fsm_meta(instance, name)
    for transition in meta.transitions.values():
        label = (transition.custom or {}).get("label")
        if label:
            return label
    return name.replace("_", " ")


def transition_label(instance: models.Model, name: str, meta=None) -> str:
    return str(transition_label_lazy(instance, name, meta))


def role_for(permission: Any, instance: models.Model, actor) -> str | None:
    """Which role lets `actor` perform a transition guarded by `permission`; None if none does.

    Anything without a rule is denied: a transition with no permission declared is
    refused to everyone.
    """
    if permission is None:
        return None
    if isinstance(permission, Rule):
        return permission.matching_role(instance, actor)
    if callable(permission):
        return "custom" if permission(instance, actor) else None
    if actor is not None and actor.has_perm(permission):
        return permission
    return None


def require_permission(instance: models.Model, name: str, actor) -> None:
    """Forbidden (403) unless `actor` may perform `name` from the current state. For services that
    judge their input before calling transition(): whoever may not act hears that first, not what is
    wrong with what they sent. (transition() checks it again under the lock.)"""
    meta = _fsm_meta(instance, name)
    fsm_transition = meta.get_transition(state_of(instance, meta))
    if fsm_transition is not None and role_for(fsm_transition.permission, instance, actor) is None:
        raise Forbidden(_("You may not do this."), code="forbidden")


@dataclass
class Availability:
    name: str
    label: str
    target: str | None
    allowed: bool
    reasons: list[Refusal]


def _check(instance: models.Model, name: str, actor) -> tuple[Any, str, str | None, list[Refusal], list[Refusal]]:
    """Return (fsm transition, source state, role, state/permission refusals, guard refusals)."""
    meta = _fsm_meta(instance, name)
    source = state_of(instance, meta)
    fsm_transition = meta.get_transition(source)
    if fsm_transition is None:
        refusal = Refusal(
            "wrong_state",
            _("“{action}” is not possible while the state is “{state}”."),
            {"action": transition_label_lazy(instance, name, meta), "state": state_label_lazy(meta, source)},
        )
        return None, source, None, [refusal], []
    role = role_for(fsm_transition.permission, instance, actor)
    if role is None:
        return fsm_transition, source, None, [Refusal("forbidden", _("You may not do this."))], []
    refusals = explain_conditions(fsm_transition.conditions, instance)
    for _receiver, extra in transition_guard.send(sender=type(instance), instance=instance, name=name):
        refusals.extend(extra or [])
    return fsm_transition, source, role, [], refusals


def available_transitions(instance: models.Model, actor) -> list[Availability]:
    """What `actor` may do with `instance` now and, for every other transition, why not."""
    names: dict[str, Any] = {}
    for field in instance._meta.fields:
        if hasattr(field, "get_all_transitions"):
            for fsm_transition in field.get_all_transitions(type(instance)):
                names.setdefault(fsm_transition.name, fsm_transition)
    result = []
    for name in names:
        fsm_transition, _source, role, refusals, guard_refusals = _check(instance, name, actor)
        target = fsm_transition.target if fsm_transition else None
        reasons = refusals + guard_refusals
        result.append(Availability(name, transition_label(instance, name), target, not reasons, reasons))
    return result


def transition(instance: models.Model, name: str, *, actor, reason: str = "", payload: dict | None = None,
               effect: Callable[[models.Model], dict | None] | None = None, **kwargs) -> models.Model:
    """Perform transition `name` on `instance` as `actor` (None = the scheduler). Returns the saved row."""
    model = type(instance)
    _fsm_meta(instance, name)
    with transaction.atomic():
        try:
            locked = model._default_manager.select_for_update().get(pk=instance.pk)
        except model.DoesNotExist as exc:
            raise NotFound() from exc
        fsm_transition, source, role, refusals, guard_refusals = _check(locked, name, actor)
        if refusals:
            if refusals[0].code == "forbidden":
                raise Forbidden(refusals[0].message, code="forbidden")
            raise WrongState(refusals=refusals)
        if guard_refusals:
            field_errors: dict[str, list[str]] = {}
            for refusal in guard_refusals:
                for key, messages in refusal.params.get("errors", {}).items():
                    field_errors.setdefault(key, []).extend(messages)
            state_refusals = [r for r in guard_refusals if "errors" not in r.params]
            if state_refusals or not field_errors:
                raise WrongState(refusals=guard_refusals)
            raise InvalidData(field_errors, message=guard_refusals[0].text(), code=guard_refusals[0].code)
        try:
            result = getattr(locked, name)(**kwargs)
        except TransitionNotAllowed as exc:  # a guard changed its mind between explain and run
            raise WrongState(str(exc)) from exc
        data = dict(result) if isinstance(result, dict) else {}
        if effect is not None:
            data.update(effect(locked) or {})
        data.update(payload or {})
        try:
            locked.save()
        except ConcurrentTransition as exc:
            raise WrongState(_("Someone else changed this at the same moment. Reload and try again."),
                             code="concurrent") from exc
        target = state_of(locked, _fsm_meta(locked, name))
        event = audit_record(
            subject=locked, action=f"{model._meta.app_label}.{model._meta.model_name}.{name}", actor=actor,
            actor_role=role or "", source_state=source, target_state=target, reason=reason, payload=data,
            subject_locked=True,
        )
        transition_performed.send(sender=model, instance=locked, name=name, event=event, actor=actor)
    _take_saved_state(instance, locked)
    return locked


def _take_saved_state(instance: models.Model, saved: models.Model) -> None:
    """Give the caller's instance the row just saved, as refresh_from_db() would, without a query.

    Not django-fsm's refresh_from_db(): it unprotects the state field on the model class for the
    time of the read, so that a second thread of the same process transitioning the same model
    fails with "Direct state modification is not allowed" (seen under gunicorn's threaded workers).
    """
    for field in instance._meta.concrete_fields:
        value = saved.__dict__.get(field.attname)
        if field.is_relation and field.is_cached(instance) and instance.__dict__.get(field.attname) != value:
            field.delete_cached_value(instance)
        instance.__dict__[field.attname] = value  # past the FSM descriptor, as Django's own loading is
    for related in instance._meta.related_objects:
        if related.is_cached(instance):
            related.delete_cached_value(instance)
    instance.__dict__.pop("_prefetched_objects_cache", None)
    instance._state.adding, instance._state.db = False, saved._state.db
    if hasattr(instance, "_update_initial_state"):  # ConcurrentTransitionMixin: the state it was read in
        instance._update_initial_state()
