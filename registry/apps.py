from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = _("Registry and filing")

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        from luhuituo.core.calendar_years import year_entered

        from .services import recount_deadlines

        # A new year's calendar moves the deadlines that were counted Monday to Friday in it.
        year_entered.connect(recount_deadlines, dispatch_uid="registry-recount-deadlines")
        # Other apps' checks of a class change (registry.class_checks), from their own
        # ``class_checks`` module, before any request, task or command runs.
        autodiscover_modules("class_checks")
        # Other apps' checks of a saved staff record (registry.staff_checks), likewise.
        autodiscover_modules("staff_checks")
