"""Forms of the alert inboxes: the filters (regulator's and centre's) and the actions on one
alert (acknowledge / assign / note / resolve)."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from luhuituo.core.forms import SearchField
from luhuituo.core.models import Region

from ..checks.registry import all_rules
from ..models import Alert, Severity


class AlertFilterForm(forms.Form):
    AGE_CHOICES = [("", gettext_lazy("Any age")), ("1", gettext_lazy("Older than 1 day")),
                   ("7", gettext_lazy("Older than 7 days")),
                   ("30", gettext_lazy("Older than 30 days"))]
    STATUS_CHOICES = [("active", gettext_lazy("Open or acknowledged")),
                      *Alert.Status.choices, ("all", gettext_lazy("All"))]

    q = SearchField(label=gettext_lazy("Centre"), widget=forms.TextInput)
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=STATUS_CHOICES,
                               required=False)
    severity = forms.ChoiceField(label=gettext_lazy("Severity"), required=False,
                                 choices=[("", gettext_lazy("All severities")),
                                          *Severity.choices])
    rule = forms.ChoiceField(label=gettext_lazy("Rule"), required=False)
    district = forms.ModelChoiceField(label=gettext_lazy("District/county"), required=False,
                                      queryset=Region.objects.none(),
                                      empty_label=gettext_lazy("All districts"))
    age = forms.ChoiceField(label=gettext_lazy("Age"), choices=AGE_CHOICES, required=False)
    mine = forms.BooleanField(label=gettext_lazy("Assigned to me"), required=False)

    def __init__(self, *args, user=None, regulator=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rule"].choices = [("", _("All rules"))] + [
            (rule.code, f"{rule.code} {rule.title}") for rule in all_rules()
            if regulator or not rule.for_regulator]
        if regulator:
            self.fields["district"].queryset = Region.objects.visible_to(user).districts()
        else:
            del self.fields["district"], self.fields["mine"], self.fields["q"]

    def apply(self, alerts, user):
        if not self.is_valid():
            return alerts.open()
        data = self.cleaned_data
        status = data.get("status") or "active"
        if status == "active":
            alerts = alerts.open()
        elif status != "all":
            alerts = alerts.filter(status=status)
        if data.get("severity"):
            alerts = alerts.filter(severity=data["severity"])
        if data.get("rule"):
            alerts = alerts.filter(rule=data["rule"])
        if data.get("district"):
            alerts = alerts.filter(centre__region=data["district"])
        if data.get("age"):
            alerts = alerts.filter(
                first_seen__lte=timezone.now() - timedelta(days=int(data["age"])))
        if data.get("q"):
            alerts = alerts.filter(centre__name__icontains=data["q"])
        if data.get("mine"):
            alerts = alerts.filter(assignee=user)
        return alerts


class ActionForm(forms.Form):
    ACTIONS = ["acknowledge", "resolve", "note", "assign"]
    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS])
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}))
    assignee = forms.IntegerField(required=False)
