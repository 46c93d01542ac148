"""Domain errors on the web pages: the same mapping as the API, shown as a page or an htmx fragment."""

from django.shortcuts import render

from .errors import DomainError


class DomainErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DomainError) or request.path.startswith("/api/"):
            return None
        template = "workflow/error_fragment.html" if getattr(request, "htmx", False) else "workflow/error.html"
        return render(request, template, {"error": exception}, status=exception.status_code)
