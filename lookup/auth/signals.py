"""Every sign-in, whichever way it came (provider, proxy, password), is stamped and audited."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from lookup.audit import Action, audit_record
from lookup.auth.sessions import note_sign_in

SIGN_IN_KINDS = {
    "lookup.auth.oidc.OIDCBackend": "oidc",
    "lookup.auth.proxy.ProxyBackend": "proxy",
    "django.contrib.auth.backends.ModelBackend": "password",
}


@receiver(user_logged_in, dispatch_uid="perpdesk_sign_in")
def stamp_and_audit_sign_in(sender, request, user, **kwargs):
    note_sign_in(request.session)
    kind = SIGN_IN_KINDS.get(getattr(user, "backend", ""), "")
    audit_record(request=request, action=Action.SIGN_IN, user=user, kind=kind)
