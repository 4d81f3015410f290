"""The platform's middleware:

- ``HealthzMiddleware``: /healthz/ answered first, before the session and the user are read.
- ``IdleTimeoutMiddleware``: regulators and centre staff are logged out after
  IDLE_TIMEOUT_SECONDS without a request (docs/architecture.md#privacy-and-security). Parents
  keep the ordinary session lifetime.
- ``ChineseFirstLocaleMiddleware``: Chinese unless the user chose another language.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, resolve_url
from django.utils.cache import patch_vary_headers
from django.utils.translation import ngettext
from django_htmx.http import HttpResponseClientRedirect

from .views import healthz

SESSION_KEY = "_last_activity"
HEALTHZ_PATH = "/healthz/"


class HealthzMiddleware:
    """Answers /healthz/ before the rest of the middleware: the session and authentication
    middleware read the database when a request carries a session cookie, so during a database
    outage such a probe would get an HTML 500 instead of the health JSON. The Host header is
    still checked, as on every page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == HEALTHZ_PATH:
            request.get_host()  # DisallowedHost → 400, like everywhere else
            return healthz(request)
        return self.get_response(request)

# The timestamp is rewritten at most this often, so not every request rewrites the session.
RESOLUTION_SECONDS = 60


class IdleTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and user.has_idle_timeout:
            now = int(time.time())
            last = request.session.get(SESSION_KEY)
            if last is not None and now - last > settings.IDLE_TIMEOUT_SECONDS:
                logout(request)
                minutes = settings.IDLE_TIMEOUT_SECONDS // 60
                messages.info(request, ngettext(
                    "You were logged out after %(minutes)d minute without activity.",
                    "You were logged out after %(minutes)d minutes without activity.",
                    minutes,
                ) % {"minutes": minutes})
                return self.login_redirect(request)
            if last is None or now - last >= RESOLUTION_SECONDS:
                request.session[SESSION_KEY] = now
        return self.get_response(request)

    @staticmethod
    def login_redirect(request):
        login_url = resolve_url(settings.LOGIN_URL)
        if getattr(request, "htmx", False):
            return HttpResponseClientRedirect(login_url)
        if request.method == "GET":
            return redirect_to_login(request.get_full_path(), login_url)
        return redirect(login_url)


class ChineseFirstLocaleMiddleware:
    """Chinese unless the user chose another language with the footer switch (its cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language, so an office PC set
    to English would get an English interface nobody asked for.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        from django.utils import translation

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ["Cookie"])
        return response
