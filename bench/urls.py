"""perpdesk's URLs plus the signed-in trivial view: the framework's ceiling for a staff page.

It needs the lookup permission as a page does, so a request loads the session and the
user through the whole middleware stack, but it renders nothing and reads nothing from
PERP. /healthz is no such ceiling: it is anonymous and never loads either.
"""

from django.contrib.auth.decorators import permission_required
from django.http import HttpResponse
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from perpdesk.urls import urlpatterns as perpdesk_urlpatterns

SIGNED_IN_TRIVIAL = "bench-signed-in"


@never_cache
@permission_required("lookup.lookup_customers", raise_exception=True)
@require_safe
def signed_in_trivial(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    # Before perpdesk's: the admin's catch-all at the end would answer it otherwise.
    path("bench/signed-in", signed_in_trivial, name=SIGNED_IN_TRIVIAL),
    *perpdesk_urlpatterns,
]
