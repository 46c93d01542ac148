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


class SlidingSessionMiddleware:
    """A signed-in session's expiry slides forward as the user works (an offer or a report is written
    over hours: hard rule 4), but the session row is rewritten at most every REFRESH_SECONDS, not on every
    request — an autosave every few seconds would otherwise write the session table each time.

    Listed right after SessionMiddleware, so that its response passes here first."""

    REFRESH_SECONDS = 300
    KEY = "_refreshed_at"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.modified or session.is_empty():
            return response
        import time

        now = int(time.time())
        if now - int(session.get(self.KEY, 0) or 0) >= self.REFRESH_SECONDS:
            session[self.KEY] = now  # marks the session modified: saved with a new expiry
        return response
