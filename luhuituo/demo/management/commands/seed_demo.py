"""Demo data: one login per persona of docs/architecture.md#who-uses-it, with printed credentials,
the demo centre made complete (its filing left a draft for the demo manager to submit), and about
215 generated centres across Luzhou's seven districts with filings in every state (``--centres N``).

Idempotent: running it again creates nothing new (centres are keyed by credit code and name)
and keeps changed passwords. Deterministic: the data comes from ``random.Random(2026)``.

The generator is ``luhuituo.demo.registry_data``: a representative subset of about 25
centres (a few in each filing state) is driven through the real workflow in
``registry.services`` (uploads, submit, return, accept, verification, non-conformity,
rectification, suspension, termination, deregistration);
the bulk is written directly with bulk inserts — statuses, back-dated
timestamps over the last 18 months, filing numbers, materials and audit history set as the
services would set them — which keeps the full seed at a few seconds instead of a minute.

The parent portal's demo (``luhuituo.demo.parents_data``): articles, two more parent
accounts with applications for a place in every state, a complaint with a photo, an account
linked by a code and an unused code.

After the supervision data and the credit records, ``luhuituo.demo.assessments_data`` adds
self-assessments, on-site assessments in every state, star ratings, spot checks and downgrade
reviews through the assessment services, and assessor accounts for the districts without one.
"""

from collections import Counter
from datetime import datetime, time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from tqdm import tqdm

from luhuituo.core.models import Region, RegulatorScope, User
from luhuituo.demo import (
    assessments_data,
    banlist_data,
    evaluation_data,
    parents_data,
    reviews_data,
    rules_data,
    subsidy_data,
)
from luhuituo.demo import registry_data as demo
from luhuituo.demo import supervision_data as supervision_demo
from registry.models import Centre, CentreMembership
from supervision.checks import engine as checks_engine
from supervision.models import Alert

# (username, name, mobile, account type, what they are)
PERSONAS = [
    ("city", "王建国", "13800000001", "regulator", "city regulator — 泸州市卫健委"),
    ("jiangyang", "李红梅", "13800000002", "regulator", "district regulator — 江阳区卫健局"),
    ("naxi", "赵立新", "13800000003", "regulator", "district regulator — 纳溪区卫健局"),
    ("assessor", "陈思远", "13800000004", "regulator", "assessor / inspector — 江阳区"),
    ("manager", "张丽", "13800000005", "centre", "centre manager — 江阳区示范托育中心"),
    ("carer", "刘芳", "13800000006", "centre", "centre staff — 江阳区示范托育中心"),
    ("parent", "周明", "13800000007", "parent", "parent"),
    ("parent2", "孙悦", "13800000008", "parent",
     "parent — applications in every state, a complaint with a photo"),
    ("parent3", "吴磊", "13800000009", "parent",
     "parent — linked to a child by a code, on a waiting list"),
]

SCOPES = {
    "city": ("510500", RegulatorScope.Role.REGULATOR),
    "jiangyang": ("510502", RegulatorScope.Role.REGULATOR),
    "naxi": ("510503", RegulatorScope.Role.REGULATOR),
    "assessor": ("510502", RegulatorScope.Role.ASSESSOR),
}

DEMO_CENTRE = ("江阳区示范托育中心", "510502")
MEMBERSHIPS = {"manager": CentreMembership.Role.MANAGER, "carer": CentreMembership.Role.STAFF}


def first_check_time() -> datetime:
    """When the seed's first run of the checks pretends to be: 16:00 on the last open day, or
    now if that is still to come (seeding on an open day before 16:00) — an alert is never first
    seen in the future."""
    last = supervision_demo.last_open_day()
    return min(timezone.make_aware(datetime.combine(last, time(16, 0))), timezone.now())


class Command(BaseCommand):
    help = "Create or update the demo data (one account per persona) and print the logins."

    def add_arguments(self, parser):
        parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
        parser.add_argument("--logins-only", action="store_true",
                            help="change nothing, only print the demo logins")
        parser.add_argument("--centres", type=int, default=demo.DEFAULT_CENTRES, metavar="N",
                            help="how many centres to generate besides the demo centre "
                                 f"(default {demo.DEFAULT_CENTRES})")

    def handle(self, *args, **options):
        if options["logins_only"]:
            self.print_logins(settings.DEMO_PASSWORD)
            return
        if options["centres"] < 0:
            raise CommandError("--centres must be 0 or more.")
        with transaction.atomic():
            self.seed(no_progress=options["no_progress"])
            summary = self.seed_centres(options["centres"], no_progress=options["no_progress"])
        # First as at the end of the last open day (the seed may run on a weekend or early in
        # the morning), then now: the day's alerts stay open, as they would have.
        checks_engine.run_rules(now=first_check_time())
        checks_engine.run_rules()
        # Credit records from what supervision recorded (and the A36 alerts just raised), then
        # the rule that reads the grades.
        summary["credit"] = evaluation_data.seed_credit()
        checks_engine.run_rule("A44")
        # Self-assessments, on-site assessments and star ratings (the credit grades first: a
        # low one opens a downgrade review of a rating).
        summary["assessments"] = assessments_data.seed_assessments()
        # The rules that read assessments and ratings, on what was just added (a second run
        # then finds nothing new).
        checks_engine.run_rule("A33")
        checks_engine.run_rule("A43")
        open_alerts = Counter(Alert.objects.open().values_list("rule", flat=True))
        self.stdout.write("Open alerts after the checks: " + (", ".join(
            f"{rule} {n}" for rule, n in sorted(open_alerts.items(),
                                                key=lambda item: int(item[0][1:])))
            or "none") + ".")
        self.print_summary(summary)
        self.print_logins(settings.DEMO_PASSWORD)

    def seed(self, *, no_progress: bool) -> None:
        password = settings.DEMO_PASSWORD
        regions = {r.code: r for r in Region.objects.all()}
        centre_name, centre_region = DEMO_CENTRE
        centre, _ = Centre.objects.get_or_create(
            name=centre_name, defaults={"region": regions[centre_region]}
        )
        steps = tqdm(PERSONAS, desc="demo accounts", disable=no_progress,
                     file=self.stderr._out)
        for username, name, mobile, account_type, _what in steps:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"name": name, "mobile": mobile, "account_type": account_type},
            )
            if created:
                user.set_password(password)
                user.save(update_fields=["password"])
            if username in SCOPES:
                code, role = SCOPES[username]
                RegulatorScope.objects.update_or_create(
                    user=user, region=regions[code], defaults={"role": role}
                )
            if username in MEMBERSHIPS:
                CentreMembership.objects.update_or_create(
                    user=user, centre=centre,
                    defaults={"role": MEMBERSHIPS[username], "is_active": True},
                )
        admin, created = User.objects.get_or_create(
            username="admin",
            defaults={"name": "平台管理员", "is_staff": True, "is_superuser": True,
                      "account_type": User.AccountType.REGULATOR},
        )
        if created:
            admin.set_password(password)
            admin.save(update_fields=["password"])
            RegulatorScope.objects.get_or_create(user=admin, region=regions["510500"])

    def seed_centres(self, count: int, *, no_progress: bool) -> dict:
        """The demo centre's details, classes, staff and materials; the generated centres."""
        centre = Centre.objects.get(name=DEMO_CENTRE[0])
        users = {u.username: u for u in User.objects.filter(username__in=MEMBERSHIPS)}
        added = demo.complete_demo_centre(centre, manager=users["manager"],
                                          carer=users["carer"])

        def progress(items, desc):
            return tqdm(items, desc=desc, disable=no_progress or not items,
                        file=self.stderr._out)

        summary = demo.seed_centres(count, progress=progress)
        summary["demo_centre"] = added
        summary["supervision"] = supervision_demo.seed_supervision(progress=progress)
        summary["rules"] = rules_data.seed_rule_records()
        summary["reviews"] = reviews_data.seed_reviews()
        summary["ban_list"] = banlist_data.seed_ban_list()
        summary["subsidies"] = subsidy_data.seed_subsidies()
        summary["parents"] = parents_data.seed_parents()
        return summary

    def print_summary(self, summary: dict) -> None:
        self.print_credit(summary["credit"])
        if summary["demo_centre"]:
            self.stdout.write(f"{DEMO_CENTRE[0]}: added {', '.join(summary['demo_centre'])}")
        states = ", ".join(f"{state} {n}" for state, n in sorted(summary["states"].items()))
        self.stdout.write(f"Generated centres: {summary['created']} created "
                          f"({summary['via_services']} through the filing services), "
                          f"{summary['skipped']} already there." + (f" States: {states}."
                                                                    if states else ""))
        if summary.get("inclusive"):
            self.stdout.write(f"Recognised as inclusive by their district: "
                              f"{summary['inclusive']} centres.")
        sup = summary["supervision"]
        if sup["centres"] or sup["children"]:
            self.stdout.write(f"Supervision: {sup['children']} children in {sup['centres']} "
                              f"operating centres (and the demo centre), {sup['attendance']} "
                              "attendance records.")
        rules = summary["rules"]
        if any(rules.values()):
            self.stdout.write(
                f"Rule records: {rules['policies']} insurance policies, {rules['reports']} "
                f"annual reports, {rules['safety_checks']} monthly safety checks, "
                f"{rules['fee_schedules']} republished fee schedules, {rules['trainings']} "
                "training records.")
        bans = summary["ban_list"]
        if any(bans.values()):
            self.stdout.write(f"Staff ban list: {bans['in_force']} entries in force, "
                              f"{bans['pending']} pending.")
        if summary.get("subsidies"):
            self.stdout.write(f"Subsidy programmes (demo figures, 演示数据): "
                              f"{summary['subsidies']} added.")
        if sup.get("random_draws"):
            self.stdout.write(f"Random inspections (双随机): {sup['random_draws']} draws, "
                              f"{sup['random_results']} results published.")

        if parents := summary.get("parents"):
            self.stdout.write(
                f"Parent portal: {parents['articles']} articles, {parents['applications']} "
                f"applications, {parents['complaints']} complaint with a photo, "
                f"{parents['linked']} account linked by a code, {parents['codes']} unused "
                "code.")
        if reviews := summary.get("reviews"):
            self.stdout.write("Reviews by parents: " + ", ".join(
                f"{n} {status}" for status, n in reviews.items()) + ".")
        if assessments := summary.get("assessments"):
            self.print_assessments(assessments)

    def print_assessments(self, counts: dict) -> None:
        def states(by_status: dict) -> str:
            return ", ".join(f"{status} {n}" for status, n in sorted(by_status.items())) or "none"

        stars = ", ".join(f"{s}★ {n}" for s, n in sorted(counts["ratings"].items(),
                                                          reverse=True))
        reviews = ", ".join(f"{status} {n}" for status, n in sorted(counts["reviews"].items()))
        self.stdout.write(f"Quality assessments: self-assessments {states(counts['self'])}; "
                          f"on-site {states(counts['onsite'])}; "
                          f"{counts['spot_checks']} spot checks.")
        self.stdout.write(f"Star ratings in force: {stars or 'none'} ({counts['capped']} capped "
                          f"by a failed veto item); {counts['expired']} expired; downgrade "
                          f"reviews {reviews or 'none'}. Assessors: {counts['assessors']}"
                          + (f" ({counts['new_assessors']} accounts added)"
                             if counts["new_assessors"] else "") + ".")

    def print_credit(self, counts: dict) -> None:
        events = ", ".join(f"{code} {n}" for code, n in sorted(counts["events"].items()))
        appeals = ", ".join(f"{state} {n}" for state, n in sorted(counts["appeal_states"].items()))
        grades = ", ".join(f"{grade} {n}" for grade, n in sorted(counts["grades"].items()))
        self.stdout.write(f"Credit records: events {events or 'none'}; "
                          f"appeals {appeals or 'none'}; grades {grades or 'none'}.")

    def print_logins(self, password: str) -> None:
        self.stdout.write(f"\nDemo logins (password for all: {password})")
        for username, _name, mobile, _type, what in PERSONAS:
            self.stdout.write(f"  {username:<10} or {mobile}  {what}")
        self.stdout.write(f"  {'admin':<10}                  support admin (/support/)")
        self.stdout.write(f"  {'jy001':<10}                  manager of a generated centre; "
                          "one each: jy, nx, lmt, lx, hj, xy, gl + 001, 002, …")
        self.stdout.write(f"  {'lmt_assessor1':<28}assessor of a district that had none; "
                          "lmt, lx, hj, xy, gl + _assessor1, _assessor2")
        self.stdout.write("  (the password applies to accounts created by seed_demo; "
                          "changed passwords are kept)")
