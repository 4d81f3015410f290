from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "evaluation"
    verbose_name = _("Quality evaluation")

    def ready(self) -> None:
        from . import signals  # noqa: F401  (the credit hooks)
