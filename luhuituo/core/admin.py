"""Admin for support staff only; regulators and centres work in the platform's own pages."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from .masking import mask_id_number
from .models import (
    AccessLog,
    AuditEvent,
    CalendarDay,
    DisposableIncome,
    Job,
    Notification,
    PeriodicRun,
    Region,
    RegulatorScope,
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
