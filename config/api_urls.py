from django.urls import include, path
from drf_spectacular.utils import extend_schema, inline_serializer
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.routers import DefaultRouter

from competitions.api import register as register_competitions
from evaluation.api import register as register_evaluation
from offers.api import register as register_offers
from settlements.api import register as register_settlements

router = DefaultRouter()
register_competitions(router)
register_offers(router)
register_evaluation(router)
register_settlements(router)


@extend_schema(
    request=AuthTokenSerializer,
    responses=inline_serializer("AuthToken", {"token": serializers.CharField()}),
    summary="Exchange a username and password for an API token (header: Authorization: Token …)",
)
class TokenView(ObtainAuthToken):
    """DRF's obtain_auth_token, with its response described in the schema."""


urlpatterns = [
    path("", include(router.urls)),
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
]
