"""`manage.py load_demo`: the demo that `make run` serves (offers/demo.py and the later stages'
parts, e.g. evaluation/demo.py). Idempotent: a second run changes nothing, and a database that
holds the base demo from before a part existed gets that part added."""

from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings
from django.utils import timezone

from competitions.models import CompetitionState
from offers.demo import (
    DEMO_PASSWORD,
    all_demo_users,
    demo_collisions,
    demo_extensions,
    demo_load,
    demo_load_parts,
    demo_status,
    main_competition,
)
from workflow.calendar import format_local


def logins_table() -> list[str]:
    rows = [("login", "who", "can do")]
    for spec in all_demo_users():
        who = spec.full_name if not spec.function else f"{spec.full_name}, {spec.function}"
        rows.append((spec.username, who, spec.can))
    width = [max(len(row[i]) for row in rows) for i in range(2)]
    lines = []
    for index, (login, who, can) in enumerate(rows):
        lines.append(f"  {login:<{width[0]}}  {who:<{width[1]}}  {can}")
        if index == 0:
            lines.append(f"  {'-' * width[0]}  {'-' * width[1]}  {'-' * 40}")
    return lines


def _summary_line(summary) -> str:
    states: dict[str, int] = {}
    for offer in summary.offers:
        states[offer.state] = states.get(offer.state, 0) + 1
    return (f"{len(summary.competitions)} competitions, {len(summary.offers)} offers "
            f"({', '.join(f'{n} {state}' for state, n in states.items())})")


class Command(BaseCommand):
    help = ("Load the demo: two authorities, a published competition with two tasks, NGOs with submitted and "
            "draft offers, a closed competition in merit review with its committee, and a login for each role. "
            "Running it again changes nothing.")

    def handle(self, *args, **options):
        status = demo_status()
        parts = demo_extensions()
        if status == "partial" or any(part.status() == "partial" for part in parts):
            raise CommandError(
                "Some of the demo's logins or authorities exist, but not all ("
                + ", ".join(sorted(demo_collisions())) + "): this database was not filled by load_demo. "
                "Load the demo into an empty database (e.g. delete var/pozytek.sqlite3).")
        # The demo's receipts go to example.org addresses: recorded as notifications, not sent.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            if status == "absent":
                summary = demo_load()
                self.stdout.write(self.style.SUCCESS(
                    f"Demo loaded: {summary.authorities} authorities, {_summary_line(summary)}, "
                    f"{summary.organizations} organisations, {summary.users} logins."))
            elif any(part.status() == "absent" for part in parts):
                summary = demo_load_parts()
                self.stdout.write(self.style.SUCCESS(f"Demo extended: {_summary_line(summary)} added."))
            else:
                self.stdout.write("The demo is already loaded; nothing changed.")
        competition = main_competition()
        if competition is not None:
            if competition.state == CompetitionState.PUBLISHED and competition.accepting_offers():
                self.stdout.write(f"“{competition.title}” accepts offers until "
                                  f"{format_local(competition.submission_deadline)} (Europe/Warsaw).")
            elif competition.submission_deadline and competition.submission_deadline < timezone.now():
                self.stdout.write(f"The demo competition's deadline passed on "
                                  f"{format_local(competition.submission_deadline)}; for a fresh demo delete "
                                  "var/pozytek.sqlite3 and run `make run` again.")
        for part in parts:
            for line in part.describe():
                self.stdout.write(line)
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}), at /accounts/login/:")
        for line in logins_table():
            self.stdout.write(line)
