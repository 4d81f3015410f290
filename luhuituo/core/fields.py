"""Model fields for sensitive identifiers: encrypted at rest, findable through a blind index.

    id_number = EncryptedTextField(_("ID number"), blank=True)
    id_number_digest = BlindIndexField(source="id_number", purpose="ric")

Lookups go through the digest: ``Staff.objects.filter(id_number_digest=blind_index(v, "ric"))``.
"""

from django.db import models

from . import crypto


class EncryptedTextField(models.TextField):
    """Stores a Fernet token; Python code sees the clear text. Not usable in lookups."""

    description = "Encrypted text"

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return crypto.decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(value)

    def get_lookup(self, lookup_name):
        if lookup_name not in {"isnull", "exact"}:
            return None
        return super().get_lookup(lookup_name)


class BlindIndexField(models.CharField):
    """HMAC digest of another field of the same model, recomputed on every save."""

    def __init__(self, *args, source: str, purpose: str = "", **kwargs):
        self.source = source
        self.purpose = purpose
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        if self.purpose:
            kwargs["purpose"] = self.purpose
        for key, default in (("max_length", 64), ("editable", False), ("blank", True),
                             ("db_index", True)):
            if kwargs.get(key, default) == default:
                kwargs.pop(key, None)
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        digest = crypto.blind_index(getattr(model_instance, self.source) or "", self.purpose)
        setattr(model_instance, self.attname, digest)
        return digest
