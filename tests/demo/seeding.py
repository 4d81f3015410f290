"""The demo tests' one way to run ``seed_demo`` (quietly, with a given number of centres)."""

from io import StringIO

from django.core.management import call_command

# How many centres the shared seed (conftest.demo_db) generates besides the demo centre: enough
# for the supervision data (a few operating centres in every district) and every filing state.
DEMO_CENTRES = 30


def seed(centres: int = DEMO_CENTRES) -> str:
    """Run it; what it printed."""
    out = StringIO()
    call_command("seed_demo", "--no-progress", "--centres", str(centres), stdout=out)
    return out.getvalue()
