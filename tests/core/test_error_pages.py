import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.test import Client
from django.urls import include, path

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


def broken(request):
    raise RuntimeError("a bug")


def denied(request):
    raise PermissionDenied


def suspicious(request):
    raise SuspiciousOperation("odd")


urlpatterns = [
    path("broken/", broken),
    path("denied/", denied),
    path("suspicious/", suspicious),
    path("", include("luhuituo.urls")),
]


def test_500_page_is_chinese_and_needs_no_context():
    client = Client(raise_request_exception=False)
    response = client.get("/broken/")
    assert response.status_code == 500
    body = response.content.decode()
    assert '<html lang="zh-CN">' in body and "系统出现了错误" in body


@pytest.mark.parametrize(("url", "status", "text"), [
    ("/denied/", 403, "403"), ("/suspicious/", 400, "400"), ("/missing/", 404, "404"),
])
def test_error_pages(client, url, status, text):
    response = client.get(url)
    assert response.status_code == status
    body = response.content.decode()
    assert f"<h1>{text}</h1>" in body and '<html lang="zh-CN">' in body
