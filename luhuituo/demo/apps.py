from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Development only: ``seed_demo`` and the demo data it builds through every app's services.

    The top layer, beside the dashboard: it may import every app, and nothing imports it."""

    name = "luhuituo.demo"
    label = "demo"
    verbose_name = _("Demo data")
