"""Who may use perpdesk: OpenID Connect or proxy sign-in, groups, session lifetime,
renewal with the provider.

A Django app of its own (label `perpdesk_auth`) so that its checks and signal
receivers are registered in `apps.AuthConfig.ready`; its one model keeps what renews
an OpenID sign-in (lookup.auth.models).
"""
