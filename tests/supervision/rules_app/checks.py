"""Another app's rules, registered from its own ``checks`` module without touching supervision."""

from supervision.checks.registry import register


@register("Z1", "yellow", "Another app's rule", "test", schedule="hourly")
def another_apps_rule(now):
    return iter(())
