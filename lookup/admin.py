"""The audit log in the admin: readable by auditors (view_audit_log), changeable by nobody."""

from django.contrib import admin

from lookup.models import AuditEntry

AUDITOR_PERMISSION = "lookup.view_audit_log"


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = (
        "at", "username", "action", "kind", "object_ids", "customer_id", "outcome", "client_ip"
    )
    list_filter = ("action", "outcome", "kind", "username")
    date_hierarchy = "at"
    search_fields = ("=customer_id", "=username", "object_ids", "=request_id")
    search_help_text = "Customer id, person (exact), an id shown, or a request id."
    actions = None
    list_per_page = 50
    show_full_result_count = False  # a COUNT(*) over a year of rows on every page is slow

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_module_permission(self, request):
        return request.user.has_perm(AUDITOR_PERMISSION)

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm(AUDITOR_PERMISSION)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
