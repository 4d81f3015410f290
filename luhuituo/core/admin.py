"""Admin for support staff only; regulators and centres work in the platform's own pages."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.formats import date_format
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _

from . import calendar_years
from .exceptions import submit
from .masking import mask_id_number
from .models import (
    AccessLog,
    AuditEvent,
    CalendarDay,
    CalendarYear,
    DisposableIncome,
    Job,
    Notification,
    PeriodicRun,
    Region,
    RegulatorScope,
    SubsidyProgramme,
    User,
)


class RegulatorScopeInline(admin.TabularInline):
    model = RegulatorScope
    extra = 0
    autocomplete_fields = ["region"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "name", "account_type", "mobile", "is_active", "last_login"]
    list_filter = ["account_type", "is_active", "is_staff"]
    search_fields = ["username", "name", "mobile", "email"]
    ordering = ["username"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Person"), {"fields": ("name", "mobile", "email", "masked_id_number")}),
        (_("Access"), {"fields": ("account_type", "is_active", "is_staff", "is_superuser",
                                  "groups", "user_permissions")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",),
                "fields": ("username", "name", "mobile", "account_type", "password1",
                           "password2")}),
    )
    readonly_fields = ["masked_id_number", "last_login", "date_joined"]
    inlines = [RegulatorScopeInline]

    @admin.display(description=_("resident ID number"))
    def masked_id_number(self, obj):
        return mask_id_number(obj.id_number)


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent", "population", "population_year"]
    list_editable = ["population", "population_year"]
    search_fields = ["code", "name"]


@admin.register(DisposableIncome)
class DisposableIncomeAdmin(admin.ModelAdmin):
    """Income figures with their source: support staff add each year's bulletin."""

    list_display = ["region", "year", "kind", "annual_yuan", "verified", "updated_at"]
    list_filter = ["kind", "verified", "year", "region"]
    search_fields = ["region__name", "region__code", "source"]
    autocomplete_fields = ["region"]
    ordering = ["region__code", "-year", "kind"]


@admin.register(SubsidyProgramme)
class SubsidyProgrammeAdmin(admin.ModelAdmin):
    """Childcare subsidies with their source, entered from each year's policy text; the parent
    portal's cost estimate reads them."""

    list_display = ["region", "year", "name", "kind", "amount", "verified", "updated_at"]
    list_filter = ["kind", "verified", "year", "region"]
    search_fields = ["region__name", "region__code", "name", "source"]
    autocomplete_fields = ["region"]
    ordering = ["region__code", "-year", "kind", "name"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor_repr", "verb", "target_repr", "ip"]
    list_filter = ["verb"]
    search_fields = ["actor_repr", "target_repr", "verb"]
    date_hierarchy = "created_at"


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "target_repr", "reason", "ip"]
    search_fields = ["target_repr", "reason"]
    date_hierarchy = "created_at"


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "level", "title", "read_at"]
    list_filter = ["level"]
    raw_id_fields = ["recipient"]


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """Each year's days are entered here from the State Council's holiday notice."""

    list_display = ["date", "weekday", "kind", "name"]
    list_filter = ["kind"]
    search_fields = ["name"]
    date_hierarchy = "date"

    @admin.display(description=_("weekday"))
    def weekday(self, obj):
        return date_format(obj.date, "l")


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    """The years of the working-day calendar with their notices; a new year is entered here
    from its notice, all its days at once (``calendar_years.enter_year``)."""

    list_display = ["year", "notice", "holidays", "workdays", "entered_by", "entered_at"]
    list_display_links = None
    ordering = ["-year"]

    def get_queryset(self, request):
        # The days of each year counted in the list's own query.
        days = CalendarDay.objects.filter(date__year=OuterRef("year"))

        def count(kind):
            return Subquery(days.filter(kind=kind).values("date__year")
                            .annotate(n=Count("pk")).values("n")[:1])

        return super().get_queryset(request).select_related("entered_by").annotate(
            holiday_count=Coalesce(count(CalendarDay.Kind.HOLIDAY), 0),
            workday_count=Coalesce(count(CalendarDay.Kind.WORKDAY), 0))

    @admin.display(description=_("weekdays off"))
    def holidays(self, obj):
        return obj.holiday_count

    @admin.display(description=_("make-up working days"))
    def workdays(self, obj):
        return obj.workday_count

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            return redirect("admin:index")
        form = calendar_years.CalendarYearForm(request.POST or None)
        if request.method == "POST":
            call = submit(form, lambda data: calendar_years.enter_year(
                year=data["year"], notice=data["notice"], holidays=data["holidays"],
                workdays=data["workdays"], by=request.user, request=request))
            if call.ok:
                messages.success(request, gettext_now(
                    "The %(year)d calendar is entered: %(holidays)d weekdays off, %(workdays)d "
                    "make-up working days.") % {
                    "year": call.result.year, "holidays": len(form.cleaned_data["holidays"]),
                    "workdays": len(form.cleaned_data["workdays"])})
                return redirect("admin:core_calendaryear_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Enter a year's working-day calendar"),
            "opts": self.model._meta, "form": form,
            "years": CalendarYear.objects.order_by("-year"),
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/core/calendaryear/enter.html", context)


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    """Background jobs, to see what waits, retries or failed and why."""

    list_display = ["created_at", "task", "status", "attempts", "sent_at", "finished_at"]
    list_filter = ["status", "task"]
    search_fields = ["task", "last_error"]
    date_hierarchy = "created_at"


@admin.register(PeriodicRun)
class PeriodicRunAdmin(ReadOnlyAdmin):
    list_display = ["name", "last_started_at", "last_completed_at", "last_error"]
