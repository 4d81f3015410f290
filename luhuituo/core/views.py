from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_POST

from .audit import audit
from .auth import address_over_limit
from .forms import LoginForm
from .health import broker_status, database_status, heartbeat_status
from .verbs import Verb

HOME_BY_ACCOUNT_TYPE = {
    "regulator": "dashboard:home",
    "centre": "registry:centre-home",
    "parent": "parents:home",
}


def _safe_next(request: HttpRequest) -> str | None:
    """``next`` when it is a path on this site ("/…"): never another host, nor a bare word
    that ``redirect`` would take for a URL name."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and request.method == "GET":
        return redirect(_safe_next(request) or "core:home")
    if request.method == "POST" and address_over_limit(request):
        audit(Verb.LOGIN_ADDRESS_LIMITED, actor=None, request=request)
        return locked_out(request)
    form = LoginForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.get_user()
        auth_login(request, user)  # a new session key: no session fixation
        audit(Verb.LOGIN, actor=user, target=user, request=request)
        return redirect(_safe_next(request) or "core:home")
    return render(request, "core/login.html", {"form": form, "next": _safe_next(request) or ""})


def locked_out(request: HttpRequest, response=None, credentials=None) -> HttpResponse:
    """django-axes lockout response: the login page again, with the same message whether the
    account exists or not, and the typed account name kept."""
    form = LoginForm(request, initial={"username": request.POST.get("username", "")})
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = _(
        "Too many failed attempts. Login is locked for %(minutes)d minutes; please try again later."
    ) % {"minutes": minutes}
    return render(request, "core/login.html", {"form": form, "next": "", "lockout": message},
                  status=429)


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        audit(Verb.LOGOUT, actor=request.user, target=request.user, request=request)
    auth_logout(request)
    messages.success(request, _("You have logged out."))
    return redirect("core:login")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each persona to its own home page."""
    return redirect(HOME_BY_ACCOUNT_TYPE.get(request.user.account_type, "parents:home"))


@login_required
def account(request: HttpRequest) -> HttpResponse:
    return render(request, "core/account.html", {"account": request.user})


@sensitive_post_parameters()
@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        update_session_auth_hash(request, user)
        audit(Verb.PASSWORD_CHANGE, actor=user, target=user, request=request)
        messages.success(request, _("Your password has been changed."))
        return redirect("core:account")
    return render(request, "core/password_change.html", {"form": form})


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    notifications = request.user.notifications.all()
    page = Paginator(notifications, 20).get_page(request.GET.get("page"))
    return render(request, "core/notification_list.html", {"page": page})


@login_required
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    notification = get_object_or_404(request.user.notifications, pk=pk)
    notification.mark_read()
    target = notification.url
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("core:notification-list")


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    from django.utils import timezone

    request.user.notifications.unread().update(read_at=timezone.now())
    return redirect("core:notification-list")


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database and the broker answer and a worker's heartbeat is recent, 503
    otherwise; JSON for monitoring, one entry per check. HealthzMiddleware answers with it
    before the session or the user are looked at (they need the database)."""
    database = database_status(connection)
    checks = {
        "database": database,
        "broker": broker_status(),
        "heartbeat": heartbeat_status() if database["ok"]
        else {"ok": False, "reason": "database unreachable"},
    }
    healthy = all(check["ok"] for check in checks.values())
    body = {"status": "ok" if healthy else "error", **checks}
    return JsonResponse(body, status=200 if healthy else 503)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "403_csrf.html", status=403)


@sensitive_post_parameters()
@never_cache
def account_setup(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """A new account's one-time link: the person chooses their password, then logs in."""
    from django.contrib.auth.forms import SetPasswordForm
    from django.utils.encoding import force_str
    from django.utils.http import urlsafe_base64_decode

    from .models import User
    from .tokens import account_setup_token

    try:
        user = User.objects.get(pk=int(force_str(urlsafe_base64_decode(uidb64))))
    except (ValueError, TypeError, OverflowError, User.DoesNotExist):
        user = None
    if user is None or not user.is_active or not account_setup_token.check_token(user, token):
        return render(request, "core/account_setup.html", {"valid": False}, status=404)
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        audit(Verb.ACCOUNT_SETUP, actor=user, target=user, request=request)
        messages.success(request, _("Your password is set. Log in with your mobile number "
                                    "and the new password."))
        return redirect("core:login")
    return render(request, "core/account_setup.html", {"valid": True, "form": form,
                                                       "account": user})
