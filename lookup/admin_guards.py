"""What the admin's own views need around them in perpdesk.

- A signed-in person refused a page — without the lookup permission, or a 403 from a
  model admin (a Support agent opening the audit log or the user admin) — leaves an
  audit row (`refusals_audited`).
- A filter or search parameter PostgreSQL cannot hold (NUL) answers 400 before any
  query is built from it (`unstorable_parameters_refused`); SQLite would accept it,
  PostgreSQL fails the query.
- The "view on site" shortcut answers 404 for a model without pages of its own
  (`view_on_site`): perpdesk's `Access` holds permissions and has no table to look in,
  and no model here has a page on the site.
"""

import logging
from functools import update_wrapper

from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.views import shortcut
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse

from lookup.audit import audit_refusal, text_is_storable

logger = logging.getLogger(__name__)

NO_LOOKUP_PERMISSION = "no lookup permission"
NO_PERMISSION_FOR_PAGE = "no permission for this page"


def refusals_audited(guarded, *, has_permission):
    """`guarded` (an `admin_view`), with a row for each signed-in person it refuses."""

    def audited(request, *args, **kwargs):
        if request.user.is_authenticated and not has_permission(request):
            _refused(request, NO_LOOKUP_PERMISSION)
        try:
            return guarded(request, *args, **kwargs)
        except PermissionDenied:
            _refused(request, NO_PERMISSION_FOR_PAGE)
            raise

    return update_wrapper(audited, guarded)


def _refused(request, reason):
    if audit_refusal(request=request, reason=reason) is not None:
        # The account by its id: a username may be an email.
        logger.info("Refused account %s at %s: %s", request.user.pk, request.resolver_match.view_name, reason)


def unstorable_parameters_refused(view):
    """`view`, answering 400 when a query parameter holds text PostgreSQL refuses."""

    def checked(request, *args, **kwargs):
        if not all(map(text_is_storable, _parameter_texts(request))):
            return _bad_parameters(request)
        return view(request, *args, **kwargs)

    return update_wrapper(checked, view)


def _parameter_texts(request):
    for name, values in request.GET.lists():
        yield name
        yield from values


def _bad_parameters(request):
    from django.contrib import admin

    context = {**admin.site.each_context(request), "title": "This filter cannot be used"}
    return TemplateResponse(request, "admin/bad_parameters.html", context, status=400)


def view_on_site(request, content_type_id, object_id):
    """The admin's shortcut to an object's page on the site: Django's, for models
    that have such a page; 404 for the others, before any table is read."""
    content_type = ContentType.objects.filter(pk=content_type_id).first()
    model = content_type.model_class() if content_type else None
    if model is None or not model._meta.managed or not hasattr(model, "get_absolute_url"):
        raise Http404("This kind of record has no page on perpdesk.")
    if not text_is_storable(object_id):
        raise Http404("No such record.")
    return shortcut(request, content_type_id, object_id)
