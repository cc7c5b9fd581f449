"""The audit log in the admin: readable by auditors (view_audit_log), changeable by nobody,
and every reading of it audited — the list with its filters, each row opened."""

import re

from django.contrib import admin

from lookup.audit import Action, audit_required, audit_term_digest
from lookup.models import AuditEntry

AUDITOR_PERMISSION = "lookup.view_audit_log"
SEARCH_PARAMETER = "q"
# Filters whose values are perpdesk's own words and numbers, or a ticket's reference
# (held in clear by the rows it finds), recorded as they are when they look like it; any
# other value (a person's name or email, a search) only as its keyed hash.
PLAIN_FILTERS = frozenset(
    {"action", "outcome", "kind", "at__year", "at__month", "at__day", "o", "p", "_facets", "e", "ticket"}
)
PLAIN_VALUE = re.compile(r"[\w.-]{1,32}", re.ASCII)


def audit_log_filters(query):
    """How the list was filtered, for its audit row: `name=value` pairs, free text hashed."""
    pairs = []
    for name, values in sorted(query.lists()):
        for value in values:
            shown = value if _plain(name, value) else f"hmac:{audit_term_digest(value)}"
            pairs.append(f"{_plain_name(name)}={shown}")
    return "&".join(pairs)


def _plain(name, value):
    return name in PLAIN_FILTERS and PLAIN_VALUE.fullmatch(value) is not None


def _plain_name(name):
    return name if PLAIN_VALUE.fullmatch(name) else f"hmac:{audit_term_digest(name)}"


class TicketFilter(admin.ListFilter):
    """The rows of one ticket's flow, by its exact reference (typed in, not listed: a
    year of tickets is too many to list). A reference like perpdesk's own ids is kept in
    the read's row as it is, like the rows it finds; any other only as its keyed hash."""

    title = "ticket"
    parameter_name = "ticket"
    template = "admin/lookup/ticket_filter.html"

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        if self.parameter_name in params:
            self.used_parameters[self.parameter_name] = params.pop(self.parameter_name)[-1]

    def value(self):
        return self.used_parameters.get(self.parameter_name, "")

    def has_output(self):
        return True

    def expected_parameters(self):
        return [self.parameter_name]

    def queryset(self, request, queryset):
        return queryset.filter(ticket=self.value()) if self.value() else queryset

    def choices(self, changelist):
        others = {name: value for name, value in changelist.params.items() if name != self.parameter_name}
        yield {"value": self.value(), "others": sorted(others.items()), "all": changelist.get_query_string(
            remove=[self.parameter_name])}


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = (
        "at", "username", "action", "kind", "object_ids", "customer_id", "ticket", "outcome", "client_ip"
    )
    list_filter = ("action", "outcome", "kind", "username", TicketFilter)
    date_hierarchy = "at"
    search_fields = ("=customer_id", "=username", "object_ids", "=request_id")
    search_help_text = "Customer id, person (exact), an id shown, or a request id."
    actions = None
    list_per_page = 50
    show_full_result_count = False  # a COUNT(*) over a year of rows on every page is slow

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        if response.status_code == 200:  # not the redirect that says a filter was wrong
            audit_required(
                request=request, action=Action.AUDIT_LOG, kind="list",
                filters=audit_log_filters(request.GET),
                search_term=request.GET.get(SEARCH_PARAMETER, ""),
            )
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        return self._opened(request, response, "entry", object_id)

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        return self._opened(request, response, "history", object_id)  # its title shows the row

    def _opened(self, request, response, kind, object_id):
        if response.status_code == 200:  # not the redirect for a row that does not exist
            audit_required(request=request, action=Action.AUDIT_LOG, kind=kind, object_ids=[object_id])
        return response

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
