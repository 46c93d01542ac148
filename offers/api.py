"""REST API (thin: it calls services and selectors)."""


def register(router) -> None:
    """Register this app's viewsets on the API router."""
