"""Demo data for `make run`: demo accounts, rounds, proposals, ballots and results.

Each app seeds its own part in its `demo.py`; this command runs them in dependency order.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.demo import DEMO_PASSWORD, DEMO_USERS, seed_users
from accounts.models import User


class Command(BaseCommand):
    help = "Creates demo rounds, proposals and one account per role (never in production)."

    def add_arguments(self, parser):
        parser.add_argument("--size", choices=["small", "large"], default="small")
        parser.add_argument("--if-empty", action="store_true", help="do nothing when demo accounts exist")

    def handle(self, *args, size: str, if_empty: bool, **options):
        if (settings.SETTINGS_MODULE or "").endswith(".production"):
            raise CommandError("seed_demo is for demonstration only and refused under production settings.")
        if if_empty and User.objects.filter(email="warga@demo.local").exists():
            self.stdout.write("Demo data already present.")
            self._print_accounts()
            return
        with transaction.atomic():
            users = seed_users()
            for step in self._steps():
                step(users=users, size=size, stdout=self.stdout)
        self._print_accounts()

    def _steps(self):
        # Later apps append their seeding here, lowest app first.
        from musrenbang.demo import seed as musrenbang_seed
        from proposals.demo import seed as proposals_seed
        from voting.demo import seed as voting_seed

        # voting needs the rounds and proposals seeded before it (ap-2026 in its results phase);
        # musrenbang (kamus, forums, journeys) builds on both.
        return [proposals_seed, voting_seed, musrenbang_seed]

    def _print_accounts(self):
        self.stdout.write(self.style.SUCCESS(f"Demo accounts (password: {DEMO_PASSWORD}):"))
        for email, _name, role, _kel, _nik in DEMO_USERS:
            self.stdout.write(f"  {email:<26} {role.label}")
