from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = _("Registry and filing")

    def ready(self):
        # Other apps' checks of a class change (registry.class_checks), from their own
        # ``class_checks`` module, before any request, task or command runs.
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("class_checks")
