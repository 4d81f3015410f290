"""System checks that catch a bad configuration at start-up rather than at first use."""

from django.core import checks
from django.core.exceptions import ImproperlyConfigured


@checks.register(checks.Tags.security)
def field_encryption_key_check(app_configs, **kwargs):
    from . import crypto

    crypto.clear_key_cache()
    try:
        crypto._keys()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="luhuituo.E001",
                             hint="Generate one with cryptography.fernet.Fernet.generate_key().")]
    return []
