"""Sign-in URLs, included before the admin's: /login/ and /logout/ replace its own."""

from django.urls import path

from lookup.auth import views

app_name = "auth"

urlpatterns = [
    path("login/", views.SignInView.as_view(), name="sign_in"),
    path("logout/", views.sign_out, name="sign_out"),
    path("oidc/authenticate/", views.OIDCStartView.as_view(), name="oidc_authenticate"),
    path("oidc/callback/", views.OIDCCallbackView.as_view(), name="oidc_callback"),
]
