"""The application's URLs, plus the bare JSON view that gives the rush its limit."""

from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from config.urls import urlpatterns as app_urlpatterns


@csrf_exempt
def bare(request):
    """The least a Django view on this server can do: the same middleware, no database. It takes
    the same POST as a submission (CSRF-exempt, as the API is for token clients)."""
    return JsonResponse({"ok": True})


urlpatterns = [path("bench/bare/", bare, name="bench-bare"), *app_urlpatterns]
