"""Registering a parent account (mobile number and password; no SMS is available, so the
number is not confirmed by a text message). The new parent is logged in at once."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from luhuituo.core.audit import audit
from luhuituo.core.exceptions import submit
from luhuituo.core.verbs import Verb

from ..forms.accounts import RegistrationForm
from ..services.accounts import register_parent, registration_over_limit

BACKEND = "luhuituo.core.auth.UsernameOrMobileBackend"


@sensitive_post_parameters("password1", "password2")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("core:home")
    form = RegistrationForm(request.POST or None)
    if request.method == "POST":
        if registration_over_limit(request):
            form.is_valid()  # keeps what was typed; the passwords are never shown again
            form.add_error(None, _("Too many accounts have been registered from your network "
                                   "recently. Please try again later."))
            return render(request, "parents/register.html", {"form": form}, status=429)
        call = submit(form, lambda data: register_parent(
            name=data["name"], mobile=data["mobile"], password=data["password1"],
            request=request))
        if call.ok:
            user = call.result
            auth_login(request, user, backend=BACKEND)  # a new session key
            audit(Verb.LOGIN, actor=user, target=user, request=request)
            messages.success(request, _("Your parent account is ready. You log in with your "
                                        "mobile number and this password."))
            return redirect("parents:home")
    return render(request, "parents/register.html", {"form": form},
                  status=422 if request.method == "POST" else 200)
