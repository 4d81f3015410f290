from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "luhuituo.core"
    label = "core"
    verbose_name = _("Platform core")

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        from . import checks  # noqa: F401 — registers the system checks
        from .forms import use_please_choose

        use_please_choose()

        autodiscover_modules("sections")  # page sections each app contributes
