from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("competitions/", include("competitions.urls")),
    path("evaluation/", include("evaluation.urls")),
    path("grants/", include("settlements.urls")),
    path("", include("offers.urls")),
    path("api/v1/", include("config.api_urls")),
    path("admin/", admin.site.urls),
]
