"""Audit verbs in one style: the dotted codes written before the verb enumeration
(``alert.acknowledge``, ``incident.reported`` …) become the ``noun_verbed`` codes of
``luhuituo.core.verbs.Verb``. The audit trail is append-only (a trigger refuses updates); this
one rewrite of codes, not of facts, runs with the trigger ignored for its own statements."""

import pgtrigger
from django.db import migrations

# Kept here, not imported: a migration must not depend on application code that may change.
RENAMED = {
    "alert.acknowledge": "alert_acknowledged",
    "alert.assign": "alert_assigned",
    "alert.note": "alert_noted",
    "alert.resolve": "alert_resolved",
    "daily.class_day_saved": "class_day_saved",
    "incident.reported": "incident_reported",
    "incident.guardian_notified": "incident_guardian_notified",
    "incident.authority_reported": "incident_authority_reported",
    "incident.investigation_started": "incident_investigation_started",
    "incident.closed": "incident_closed",
    "safety.drill_recorded": "drill_recorded",
    "safety.check_recorded": "safety_check_recorded",
    "safety.hazard_reported": "hazard_reported",
    "safety.hazard_fixed": "hazard_fixed",
}


def rename(mapping):
    def run(apps, schema_editor):
        AuditEvent = apps.get_model("core", "AuditEvent")
        with pgtrigger.ignore("core.AuditEvent:append_only"):
            for old, new in mapping.items():
                AuditEvent.objects.filter(verb=old).update(verb=new)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0007_audit_verb_choices"),
    ]

    operations = [
        migrations.RunPython(rename(RENAMED), rename({v: k for k, v in RENAMED.items()})),
    ]
