from django.contrib import admin
from django.urls import path

from lookup.breaker import breaker_is_open


class PerpdeskAdminSite(admin.AdminSite):
    """The admin's look, header and navigation around perpdesk's own pages.

    Wiring only: perpdesk's URLs are prepended to the admin's (appended ones would
    land behind its catch-all), each wrapped in `admin_view`; view bodies live in
    `lookup.views`.
    """

    site_header = "perpdesk"
    site_title = "perpdesk"
    index_title = "Customer lookup"

    def has_permission(self, request):
        # Deny by default: every page of the site needs perpdesk's lookup permission.
        user = request.user
        return user.is_active and user.has_perm("lookup.lookup_customers")

    def get_urls(self):
        from lookup import views

        # The search page is the site's root: "admin:index" (the admin's own "" pattern,
        # now shadowed) reverses to it too, so the admin's Home links lead to search.
        perpdesk_urls = [
            path("", self.admin_view(views.search), name="search"),
            path("customers/<str:customer_id>/", self.admin_view(views.customer), name="customer"),
            path("orders/<str:order_id>/", self.admin_view(views.order), name="order"),
            path("invoices/<str:invoice_id>/", self.admin_view(views.invoice), name="invoice"),
            path("refresh/", self.admin_view(views.refresh), name="refresh"),
            path("admin-index/", self.admin_view(self.index), name="admin-index"),
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
