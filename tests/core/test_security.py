import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parents[2]


def csp_of(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, _, value = part.strip().partition(" ")
        directives[name] = value
    return directives


@pytest.mark.parametrize("url", ["/", "/login/", "/password-reset/", "/no-such-page/"])
def test_csp_without_unsafe_inline_on_public_html(client, url):
    response = client.get(url)
    assert response["Content-Type"].startswith("text/html")
    csp = csp_of(response)
    assert csp["default-src"] == "'self'"
    assert csp["script-src"] == "'self'"
    assert csp["style-src"] == "'self'"
    assert csp["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]


@pytest.mark.parametrize("persona", ["city_regulator", "manager", "parent"])
def test_csp_on_logged_in_pages(request, client_for, persona):
    user = request.getfixturevalue(persona)
    response = client_for(user).get("/home/", follow=True)
    assert response.status_code == 200
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert csp_of(response)["script-src"] == "'self'"


def test_pages_carry_no_inline_script_or_style(client):
    body = client.get("/login/").content.decode()
    assert "<script>" not in body and "<style" not in body and " style=" not in body
    assert "cdn" not in body.lower()


def test_other_security_headers(client):
    response = client.get("/login/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_htmx_is_vendored_and_sends_the_csrf_token(client):
    body = client.get("/login/").content.decode()
    assert '<script src="/static/js/htmx.min.js" defer></script>' in body
    assert 'hx-headers=\'{"X-CSRFToken": "' in body
    assert (BASE_DIR / "static/js/htmx.min.js").stat().st_size > 10_000
    assert '"includeIndicatorStyles": false' in body  # htmx must not inject an inline <style>


def production_env(**overrides) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items()
        if k not in {"LUHUITUO_DEV", "DEBUG", "SECRET_KEY", "FIELD_ENCRYPTION_KEY",
                     "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update({
        "SECRET_KEY": "k" * 10 + "8f#Jq2@Lz!pW0x^Rv7&Ns3%Yb6*Dc9(Tm1)Hg4-Ue5+Fa",
        "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "DATABASE_URL": os.environ.get("DATABASE_URL", "")
        or "postgres://postgres@127.0.0.1:5432/postgres",
        "REDIS_URL": os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0",
        "ALLOWED_HOSTS": "tuoyu.luzhou.example",
        "EMAIL_URL": "smtp://mail.luzhou.example:25",
    })
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env,
        capture_output=True, text=True, timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "FIELD_ENCRYPTION_KEY", "DATABASE_URL",
                                     "ALLOWED_HOSTS"])
def test_production_refuses_to_start_without(missing):
    env = production_env()
    env.pop(missing)
    result = manage("check", env=env)
    assert result.returncode != 0
    assert f"{missing} must be set in production" in result.stderr


def test_a_malformed_boolean_fails_loudly():
    result = manage("check", env=production_env(SECURE_SSL_REDIRECT="maybe"))
    assert result.returncode != 0
    assert "SECURE_SSL_REDIRECT must be a boolean" in result.stderr


def test_processes_started_together_share_one_generated_development_key(tmp_path):
    """``make serve`` starts web, worker and beat at once on a fresh ``var/``: each must read
    the same complete key, never a file another process has created but not yet written."""
    env = {k: v for k, v in os.environ.items()
           if k not in {"SECRET_KEY", "FIELD_ENCRYPTION_KEY"}}
    env.update(LUHUITUO_DEV="1", LUHUITUO_VAR_DIR=str(tmp_path))
    code = ("from luhuituo import settings as s; "
            "print(s.SECRET_KEY, s.FIELD_ENCRYPTION_KEY)")
    processes = [
        subprocess.Popen([sys.executable, "-c", code], cwd=BASE_DIR, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(8)
    ]
    results = [process.communicate(timeout=60) for process in processes]
    assert all(process.returncode == 0 for process in processes), results
    assert len({out for out, _ in results}) == 1
    secret_key, fernet_key = results[0][0].split()
    assert len(secret_key) > 40 and Fernet(fernet_key.encode())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["field_encryption_key", "secret_key"]


def test_test_run_is_not_in_debug_mode():
    assert settings.DEBUG is False


def test_a_malformed_encryption_key_is_refused_at_start_up():
    result = manage("check", env=production_env(FIELD_ENCRYPTION_KEY="not-a-fernet-key"))
    assert result.returncode != 0
    assert "luhuituo.E001" in result.stderr + result.stdout


def test_an_unknown_email_url_scheme_is_refused():
    result = manage("check", env=production_env(EMAIL_URL="mailto:someone@example.cn"))
    assert result.returncode != 0
    assert "EMAIL_URL must start with smtp://" in result.stderr


@pytest.mark.parametrize(("proxies", "forwarded", "expected"), [
    (0, "203.0.113.9", "10.0.0.2"),                   # no proxy: the header is ignored
    (1, "203.0.113.9", "203.0.113.9"),                # Caddy appended the real client
    (1, "198.51.100.1, 203.0.113.9", "203.0.113.9"),  # the leftmost entry is a client's claim
    (2, "198.51.100.1, 203.0.113.9", "198.51.100.1"),
    (2, "203.0.113.9", "10.0.0.2"),                   # fewer hops than proxies: don't guess
])
def test_client_ip_behind_reverse_proxies(rf, settings, proxies, forwarded, expected):
    from luhuituo.core.audit import client_ip

    settings.PROXY_COUNT = proxies
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected
