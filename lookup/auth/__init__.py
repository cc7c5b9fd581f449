"""Who may use perpdesk: OpenID Connect or proxy sign-in, groups, session lifetime.

A Django app of its own (label `perpdesk_auth`, no models) so that its checks and
signal receivers are registered in `apps.AuthConfig.ready`.
"""
