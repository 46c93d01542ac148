import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from competitions.models import CompetitionState
from competitions.services import competition_close_due_submissions, publication_record
from offers.models import OfferState
from offers.services import offer_create, offer_save_section, offer_submit
from workflow.audit import audit_events_for
from workflow.services import transition

from ..factories import CompetitionFactory, complete_sections


@pytest.mark.django_db
def test_competition_to_submitted_offer(authority, officer, approver, organization, ngo_admin):
    competition = CompetitionFactory(authority=authority)
    competition = transition(competition, "approve", actor=approver, approval_reference="Zarządzenie 1/2027")
    for channel in ("bip", "noticeboard", "website"):
        publication_record(competition=competition, actor=officer, channel=channel,
                           published_on=timezone.localdate())
    competition = transition(competition, "publish", actor=officer)
    assert competition.state == CompetitionState.PUBLISHED
    area = competition.task_areas.get()
    offer = offer_create(task_area=area, organization=organization, actor=ngo_admin)
    sections = complete_sections(area, organization)
    for key, data in sections.items():
        current = offer.sections.filter(key=key).values_list("revision", flat=True).first()
        offer_save_section(offer=offer, actor=ngo_admin, key=key, data=data, base_revision=current or 0)
    offer = offer_submit(offer, actor=ngo_admin)
    assert offer.state == OfferState.SUBMITTED
    assert len(offer.snapshot_sha256) == 64
    assert offer.cost_lines.count() == 2
    later = competition.submission_deadline + dt.timedelta(minutes=1)
    assert competition_close_due_submissions(now=later + dt.timedelta(minutes=1)) == []  # deadline not yet passed
    events = list(audit_events_for(offer))
    assert [e.action for e in events] == ["offers.offer.create", "offers.offer.submit"]
    call_command("verify_audit")
