"""The quality framework in the support administration: a framework with its dimensions and
grade bands, a dimension with its indicators; filters for what is not verified; activating a
version (only when complete) and copying it as a new version are actions.

A version that assessments use is read-only here (itself, its dimensions, indicators and bands):
its scores and results must keep meaning what they meant. Copy it as a new version to change
it."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from luhuituo.core.exceptions import DomainError

from .models import CreditEventType, Dimension, Framework, GradeBand, Indicator


def _framework_of(obj) -> Framework | None:
    if isinstance(obj, Framework):
        return obj
    if isinstance(obj, Dimension | GradeBand):
        return obj.framework
    if isinstance(obj, Indicator):
        return obj.dimension.framework
    return None


class ReadOnlyWhenUsed:
    """Admin mixin: no change, addition or deletion for a version assessments use (``obj`` is
    the row shown, or for an inline its parent)."""

    def _used(self, obj) -> bool:
        framework = _framework_of(obj)
        return framework is not None and framework.pk is not None and framework.is_in_use

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not self._used(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not self._used(obj)

    def has_add_permission(self, request, *args):
        obj = args[0] if args else None  # inlines are asked with their parent
        return super().has_add_permission(request, *args) and not self._used(obj)


class DimensionInline(ReadOnlyWhenUsed, admin.TabularInline):
    model = Dimension
    extra = 0
    fields = ["order", "code", "name", "points", "verified"]
    show_change_link = True


class GradeBandFormSet(BaseInlineFormSet):
    """The bands of one framework, saved together: each is checked against the others as
    submitted, not against the rows they replace, so a shared edge can move."""

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        form.instance.checked_with_siblings = True
        return form

    def clean(self):
        super().clean()
        bands = [form.instance for form in self.forms
                 if (form.instance.pk or form.has_changed()) and form.is_valid()
                 and not self._should_delete_form(form) and form.instance.min_total is not None]
        for n, one in enumerate(bands):
            for other in bands[n + 1:]:
                if one.overlaps(other):
                    raise ValidationError(_("Grade bands %(one)s and %(other)s overlap.")
                                          % {"one": one.grade, "other": other.grade})


class GradeBandInline(ReadOnlyWhenUsed, admin.TabularInline):
    model = GradeBand
    formset = GradeBandFormSet
    extra = 0
    fields = ["grade", "min_total", "max_total", "stars", "verified"]


@admin.register(Framework)
class FrameworkAdmin(ReadOnlyWhenUsed, admin.ModelAdmin):
    list_display = ["code", "version", "title", "total_points", "is_active"]
    list_filter = ["is_active", "code"]
    search_fields = ["code", "title"]
    readonly_fields = ["is_active", "problem_list"]
    fields = ["code", "version", "title", "total_points", "veto_cap_stars", "source",
              "is_active", "problem_list"]
    inlines = [DimensionInline, GradeBandInline]
    actions = ["activate", "copy_as_new_version"]

    @admin.display(description=gettext_lazy("what keeps it from being activated"))
    def problem_list(self, framework):
        if not framework.pk:
            return "-"
        return " ".join(framework.problems()) or _("Nothing: it is complete.")

    @admin.action(description=gettext_lazy("Activate the selected version"))
    def activate(self, request, queryset):
        for framework in queryset:
            try:
                framework.activate()
            except DomainError as refused:
                self.message_user(request, refused.message, messages.ERROR)
            else:
                self.message_user(request, _("%(framework)s is now active.")
                                  % {"framework": framework}, messages.SUCCESS)

    @admin.action(description=gettext_lazy("Copy as a new version"))
    def copy_as_new_version(self, request, queryset):
        copies = [framework.copy_as_new_version() for framework in queryset]
        self.message_user(request, ngettext(
            "Copied as %(copies)s.", "Copied as %(copies)s.", len(copies))
            % {"copies": "、".join(str(copy) for copy in copies)}, messages.SUCCESS)


class IndicatorInline(ReadOnlyWhenUsed, admin.TabularInline):
    model = Indicator
    extra = 0
    fields = ["order", "code", "text", "max_score", "is_veto", "evidence_hint", "verified"]


@admin.register(Dimension)
class DimensionAdmin(ReadOnlyWhenUsed, admin.ModelAdmin):
    list_display = ["code", "name", "framework", "points", "verified"]
    list_filter = ["verified", "framework"]
    search_fields = ["name"]
    list_select_related = ["framework"]
    inlines = [IndicatorInline]


@admin.register(Indicator)
class IndicatorAdmin(ReadOnlyWhenUsed, admin.ModelAdmin):
    list_display = ["code", "text", "dimension", "max_score", "is_veto", "verified"]
    list_filter = ["verified", "is_veto", "dimension__framework"]
    search_fields = ["code", "text"]
    list_select_related = ["dimension", "dimension__framework"]
    raw_id_fields = ["dimension"]


@admin.register(GradeBand)
class GradeBandAdmin(ReadOnlyWhenUsed, admin.ModelAdmin):
    list_display = ["grade", "framework", "min_total", "max_total", "stars", "verified"]
    list_filter = ["verified", "framework"]
    list_select_related = ["framework"]


# --- credit records (evaluation.services.credit) ---------------------------------------


@admin.register(CreditEventType)
class CreditEventTypeAdmin(admin.ModelAdmin):
    """The kinds of credit events: points and durations are data the bureau may change (a
    change applies to events recorded from then on)."""

    list_display = ["code", "name", "points", "months", "source", "active", "verified"]
    list_filter = ["source", "active", "verified"]
    search_fields = ["code", "name"]

    def get_readonly_fields(self, request, obj=None):
        # the scan finds its types by code: a code in use stays
        return ["code", "source"] if obj is not None else []
