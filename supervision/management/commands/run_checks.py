"""manage.py run_checks [--rule A1 …] — run the scheduled checks now, synchronously."""

from django.core.management.base import BaseCommand, CommandError

from supervision.checks import engine, registry


class Command(BaseCommand):
    help = "Run the alert checks (docs/rules/alert-rules.md) now and report what changed."

    def add_arguments(self, parser):
        parser.add_argument("--rule", action="append", dest="rules", metavar="CODE",
                            help="Only this rule (repeatable), e.g. --rule A1 --rule A2.")
        parser.add_argument("--escalate", action="store_true",
                            help="Also escalate unacknowledged orange alerts.")

    def handle(self, *args, rules=None, escalate=False, **options):
        known = [rule.code for rule in registry.all_rules()]
        unknown = [code for code in rules or [] if code.upper() not in known]
        if unknown:
            raise CommandError(f"Unknown rule(s): {', '.join(unknown)}. "
                               f"Known: {', '.join(known)}")
        for result in engine.run_rules([c.upper() for c in rules] if rules else None):
            self.stdout.write(f"{result.rule}: {result.created} new, {result.seen_again} still "
                              f"open, {result.resolved} resolved")
        if escalate:
            self.stdout.write(f"escalated: {engine.escalate()}")
