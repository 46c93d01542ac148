from django.core.management.base import BaseCommand, CommandError

from workflow.audit import verify_chains


class Command(BaseCommand):
    help = "Recompute the audit trail's hash chains; name the first broken link and exit 1 if any."

    def handle(self, *args, **options):
        broken = []
        count = 0
        for item in verify_chains():
            if isinstance(item, int):
                count = item
            else:
                broken.append(item)
        if broken:
            for link in broken[:20]:
                self.stderr.write(f"BROKEN {link}")
            raise CommandError(f"audit trail broken: {len(broken)} problem(s) in {count} events; first: {broken[0]}")
        self.stdout.write(f"audit trail intact: {count} events verified")
