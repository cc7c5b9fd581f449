from functools import partial

from django.contrib import admin
from django.urls import path

from lookup.admin_guards import refusals_audited, unstorable_parameters_refused, view_on_site
from lookup.reading.breaker import breaker_is_open


class PerpdeskAdminSite(admin.AdminSite):
    """The admin's look, header and navigation around perpdesk's own pages.

    Wiring only: perpdesk's URLs are prepended to the admin's (appended ones would
    land behind its catch-all), each wrapped in `admin_view`; view bodies live in
    `lookup.views`, and what the admin's own views need around them in
    `lookup.admin_guards`.
    """

    site_header = "perpdesk"
    site_title = "perpdesk"
    index_title = "Customer lookup"

    def has_permission(self, request):
        # Deny by default: every page of the site needs perpdesk's lookup permission.
        user = request.user
        return user.is_active and user.has_perm("lookup.lookup_customers")

    def admin_view(self, view, cacheable=False, *, parameters_checked=True):
        """Django's gate (sign-in, permission, CSRF, never_cache), plus a row for each
        refusal and, for the admin's own views, a 400 for parameters PostgreSQL refuses."""
        if parameters_checked:
            view = unstorable_parameters_refused(view)
        return refusals_audited(super().admin_view(view, cacheable), has_permission=self.has_permission)

    def get_urls(self):
        from lookup import views

        # The search page is the site's root: "admin:index" (the admin's own "" pattern,
        # now shadowed) reverses to it too, so the admin's Home links lead to search.
        # perpdesk's pages read their own parameters and say what is wrong with them.
        page = partial(self.admin_view, parameters_checked=False)
        perpdesk_urls = [
            path("", page(views.search), name="search"),
            path("customers/<str:customer_id>/", page(views.customer), name="customer"),
            path("orders/<str:order_id>/", page(views.order), name="order"),
            path("invoices/<str:invoice_id>/", page(views.invoice), name="invoice"),
            path("refresh/", page(views.refresh), name="refresh"),
            path("admin-index/", self.admin_view(self.index), name="admin-index"),
            # Before the admin's own: a 404, not a query of a table that does not exist.
            path(
                "r/<int:content_type_id>/<path:object_id>/", self.admin_view(view_on_site),
                name="view_on_site",
            ),
        ]
        return perpdesk_urls + super().get_urls()

    def each_context(self, request):
        context = super().each_context(request)
        context["site_url"] = None  # the site *is* perpdesk: no "View site" link
        context["search_query"] = request.GET.get("q", "")[:254] if request.method == "GET" else ""
        # Read only if lookup/_perp_banner.html is rendered (the template calls it), and
        # only if the view does not know it already.
        context["perp_breaker_open"] = breaker_is_open
        return context
