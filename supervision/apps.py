from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = _("Supervision")

    def ready(self):
        # Every installed app's alert rules, supervision's own included, into the rule
        # registry before any request, task or command runs (supervision.checks.registry).
        from .checks import registry

        registry.autodiscover()
