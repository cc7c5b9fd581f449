"""Every sign-in, whichever way it came (provider, proxy, password), is stamped and audited;
every sign-out forgets what the sign-in kept for renewals."""

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from lookup.audit import Action, audit_record
from lookup.auth.renewal import end_renewals
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


@receiver(user_logged_out, dispatch_uid="perpdesk_sign_out")
def forget_provider_sign_in(sender, request, user, **kwargs):
    if request is not None:
        end_renewals(request.session)
