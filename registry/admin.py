from django.contrib import admin

from .models import Centre, CentreMembership


class MembershipInline(admin.TabularInline):
    model = CentreMembership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Centre)
class CentreAdmin(admin.ModelAdmin):
    list_display = ["name", "region", "created_at"]
    list_filter = ["region"]
    search_fields = ["name"]
    inlines = [MembershipInline]
