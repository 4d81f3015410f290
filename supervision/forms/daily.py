"""Forms for daily records (a class's day). The rules live in ``supervision.services.daily``;
the forms give the same rules as messages on the right field, so a bad input never reaches the
service."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from luhuituo.core.forms import FilterForm, VersionField

from ..models import Attendance, SymptomGroup
from ..services.daily import clean_row

A = Attendance
NONE = ("", "—")


# --- a class's day -------------------------------------------------------------------------------


class AttendanceRowForm(forms.Form):
    """One child's row of the class-day sheet (prefix ``c<child id>``). Defaults: present, both
    checks normal — the common case needs no typing."""

    status = forms.ChoiceField(label=_("Attendance"), choices=A.Status.choices,
                               widget=forms.RadioSelect, initial=A.Status.PRESENT)
    absence_reason = forms.ChoiceField(label=_("Reason for absence"), required=False,
                                       choices=[NONE, *A.AbsenceReason.choices])
    symptom_group = forms.ChoiceField(label=_("Symptoms"), required=False,
                                      choices=[NONE, *SymptomGroup.choices])
    morning_check = forms.ChoiceField(label=_("Morning check"), required=False,
                                      choices=A.Check.choices, initial=A.Check.NORMAL)
    midday_check = forms.ChoiceField(label=_("Midday check"), required=False,
                                     choices=A.Check.choices, initial=A.Check.NORMAL)
    note = forms.CharField(label=_("Note"), required=False, max_length=200)

    def __init__(self, *args, child, **kwargs):
        super().__init__(*args, prefix=f"c{child.pk}", **kwargs)
        self.child = child
        for name, field in self.fields.items():
            if name != "status":  # the radios are labelled by their choices and a legend
                field.widget.attrs["aria-label"] = f"{child.name} · {field.label}"

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        data, errors = clean_row(cleaned)
        for field, message in errors.items():
            self.add_error(field, message)
        return data

    def row(self) -> dict:
        return {"child_id": self.child.pk, **self.cleaned_data}


class StaffOnDutyForm(forms.Form):
    staff = forms.MultipleChoiceField(
        label=_("Staff on duty"), required=False, widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Staff on duty must be current staff of this "
                                            "centre.")})

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].choices = [(str(s.pk), str(s)) for s in staff]

    def staff_ids(self) -> list[int]:
        return [int(pk) for pk in self.cleaned_data["staff"]]


class ClassDayVersionForm(forms.Form):
    """The version of the class day the sheet was opened on (0: not recorded yet)."""

    version = VersionField()


class ClassDaySheet:
    """The whole sheet: one row form per child and the staff on duty, valid only together,
    with the version of the day it was opened on."""

    def __init__(self, data=None, *, children, staff, attendance=None, on_duty=(),
                 version: int = 0):
        attendance = attendance or {}
        self.rows = []
        for child in children:
            saved = attendance.get(child.pk)
            initial = {name: getattr(saved, name) for name in (
                "status", "absence_reason", "symptom_group", "morning_check", "midday_check",
                "note")} if saved else None
            form = AttendanceRowForm(data, child=child, initial=initial)
            form.saved = saved
            form.stored = None  # the row as saved meanwhile by someone else (saved_meanwhile)
            self.rows.append(form)
        self.staff_form = StaffOnDutyForm(
            data, staff=staff, initial={"staff": [str(pk) for pk in on_duty]})
        self.version_form = ClassDayVersionForm(data, initial={"version": version})
        self.non_field_errors: list[str] = []

    def is_valid(self) -> bool:
        results = [form.is_valid() for form in self.rows]
        return (all(results) and self.staff_form.is_valid() and self.version_form.is_valid()
                and not self.non_field_errors)

    @property
    def version(self) -> int | None:
        return self.version_form.cleaned_data.get("version")

    def saved_meanwhile(self, error) -> None:
        """The day was saved by someone else after the sheet was opened (``Stale``): the
        message, the values now stored beside each row that changed, and the stored version,
        so that saving again (after reading) replaces them knowingly. What was typed stays."""
        self.non_field_errors.append(error.message)
        changed = {row.child_id: row for row in error.obj.changed_rows(error.since)}
        for form in self.rows:
            form.stored = changed.get(form.child.pk)
        error.refresh(self.version_form)

    @property
    def has_errors(self) -> bool:
        return bool(self.non_field_errors or self.staff_form.errors
                    or any(form.errors for form in self.rows))

    def refused(self, error) -> None:
        """The service refused the sheet (a ``RecordError``): its message beside the staff on
        duty when it is about them, else above the sheet, and each row's problems on the
        row. What was typed stays."""
        if error.field == "staff":
            self.staff_form.add_error("staff", error.message)
        else:
            self.non_field_errors.append(error.message)
        self.add_row_errors(error.row_errors)

    def add_row_errors(self, row_errors: dict[int, list[str]]) -> None:
        for form in self.rows:
            for message in row_errors.get(form.child.pk, []):
                form.add_error(None, message)

    def row_data(self) -> list[dict]:
        return [form.row() for form in self.rows]


# --- the day's overview --------------------------------------------------------------------------


class DayForm(FilterForm):
    """``?date=`` of the day's overview (YYYY-MM-DD); no date or an impossible one is today."""

    date = forms.DateField(required=False)
