"""The shared PDF infrastructure: bundled font, restricted URL fetcher, QR codes, base template."""

import io
import json
import logging
import os
import re
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote

import pytest
from django.conf import settings
from django.template import engines
from fontTools.ttLib import TTFont
from pypdf import PdfReader
from weasyprint import HTML

from luhuituo.core import pdf
from luhuituo.core.pdf import (
    RefusedURL,
    StaticFilesFetcher,
    html_to_pdf,
    qr_svg_data_uri,
    render_pdf,
)

RECEIPT = """{% extends "pdf/base.html" %}
{% block title %}备案回执{% endblock %}
{% block content %}
<h1>{{ authority }} 备案回执</h1>
<p>备案编号：{{ number }}</p>
<p>{{ districts|join:"、" }}</p>
{% if qr %}<img class="qr" src="{{ qr }}" alt="核验二维码">{% endif %}
{% block extra %}{% endblock %}
{% endblock %}"""

RECEIPT_CONTEXT = {
    "authority": "泸州市江阳区卫生健康局",
    "number": "510502-2026-0001",
    "districts": ["江阳区", "纳溪区", "龙马潭区", "泸县", "合江县", "叙永县", "古蔺县"],
}

BUNDLED_FONTS = {"Noto-Sans-SC": "NotoSansSC-Regular", "Noto-Sans-SC-Bold": "NotoSansSC-Bold"}


def render(source: str, **context) -> bytes:
    return html_to_pdf(engines["django"].from_string(source).render(context))


def page_texts(document: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(document)).pages]


def embedded_fonts(document: bytes) -> dict[str, str | None]:
    """Font name in the PDF (subset tag removed) → PostScript name of the embedded program."""
    fonts = {}
    for page in PdfReader(io.BytesIO(document)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            cid_font = (
                font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            )
            descriptor = cid_font["/FontDescriptor"].get_object()
            program = next(
                (
                    descriptor[key].get_object().get_data()
                    for key in ("/FontFile3", "/FontFile2", "/FontFile")
                    if key in descriptor
                ),
                b"",
            )
            name = None
            if program[:4] in (b"OTTO", b"\x00\x01\x00\x00", b"true"):
                name = TTFont(io.BytesIO(program))["name"].getDebugName(6)
            fonts[font["/BaseFont"].split("+", 1)[-1]] = name
    return fonts


def test_chinese_text_is_extracted_exactly():
    texts = page_texts(render(RECEIPT, **RECEIPT_CONTEXT))

    assert len(texts) == 1
    lines = texts[0].splitlines()
    assert "泸州市江阳区卫生健康局 备案回执" in lines
    assert "备案编号：510502-2026-0001" in lines
    assert "江阳区、纳溪区、龙马潭区、泸县、合江县、叙永县、古蔺县" in lines


def test_the_bundled_font_is_embedded_not_a_system_font():
    document = render(RECEIPT, **RECEIPT_CONTEXT)

    # Regular for the text, Bold for the <h1>. The programs' PostScript names are those of the
    # renamed subsets in static/fonts/, which no system font carries (a system Noto CJK would be
    # "NotoSansCJKsc-Regular").
    assert embedded_fonts(document) == BUNDLED_FONTS


def test_documents_render_on_a_machine_without_any_font(tmp_path):
    """With fontconfig given no font folder at all, the text still comes out in the bundled font."""
    (tmp_path / "fonts.conf").write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">'
        f"<fontconfig><cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>"
    )
    # A bare Django configuration: the child process must not need the database or var/.
    config = {
        "STATIC_URL": settings.STATIC_URL,
        "STATICFILES_DIRS": [str(folder) for folder in settings.STATICFILES_DIRS],
        "STATIC_ROOT": str(tmp_path / "static"),
        "SITE_URL": "",
    }
    child = (
        "import json, sys, django\n"
        "from django.conf import settings\n"
        "apps = ['django.contrib.staticfiles']\n"
        "settings.configure(INSTALLED_APPS=apps, **json.loads(sys.argv[1]))\n"
        "django.setup()\n"
        "from luhuituo.core.pdf import html_to_pdf\n"
        "sys.stdout.buffer.write(html_to_pdf(sys.stdin.buffer.read().decode()))\n"
    )
    html = engines["django"].from_string(RECEIPT).render(RECEIPT_CONTEXT)

    result = subprocess.run(
        [sys.executable, "-c", child, json.dumps(config)],
        input=html.encode(),
        capture_output=True,
        cwd=settings.BASE_DIR,
        timeout=120,
        check=False,
        env={
            **{key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"},
            "FONTCONFIG_FILE": str(tmp_path / "fonts.conf"),
        },
    )

    assert result.returncode == 0, result.stderr.decode()
    assert b"No fonts configured in FontConfig" in result.stderr  # really no system font
    assert "泸州市江阳区卫生健康局 备案回执" in page_texts(result.stdout)[0].splitlines()
    assert embedded_fonts(result.stdout) == BUNDLED_FONTS


# --- The URL fetcher ------------------------------------------------------------------------

BASE = pdf.FALLBACK_BASE_URL


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/x.png",
        "https://example.com/x.png",
        "file:///etc/passwd",
        f"file://{settings.BASE_DIR}/static/css/pdf.css",  # static folder, but not by its URL
        "ftp://example.com/x.png",
        "https://example.com/static/css/pdf.css",  # a static path on another host
        "http://luhuituo.invalid/static/css/pdf.css",  # another scheme
        f"{BASE}admin/",
        f"{BASE}media/centres/photo.jpg",
        f"{BASE}static/missing.png",
        f"{BASE}static/",
        f"{BASE}static/fonts",  # a folder
        f"{BASE}static/../luhuituo/settings.py",
        f"{BASE}static/%2e%2e/luhuituo/settings.py",
        f"{BASE}static/css/../../luhuituo/settings.py",
        f"{BASE}static//etc/passwd",
        f"{BASE}static/%2Fetc%2Fpasswd",
    ],
)
def test_fetcher_refuses_everything_but_static_files(url):
    with pytest.raises(RefusedURL):
        StaticFilesFetcher(BASE).fetch(url)


@pytest.mark.parametrize("name", ["css/pdf.css", "fonts/NotoSansSC-Regular.otf"])
def test_fetcher_serves_static_files_from_disk(name, monkeypatch):
    monkeypatch.setattr(socket.socket, "connect", _no_network)
    expected = (settings.BASE_DIR / "static" / name).read_bytes()

    for base in (BASE, "https://luhuituo.example.gov.cn/"):
        response = StaticFilesFetcher(base).fetch(f"{base}static/{name}?v=2#top")
        assert response.read() == expected

    assert StaticFilesFetcher(BASE).fetch(f"{BASE}static/css/pdf.css").content_type == "text/css"


def test_fetcher_serves_hashed_names_from_static_root(settings, tmp_path):
    """The manifest storage's hashed names only exist in STATIC_ROOT, after collectstatic."""
    settings.STATIC_ROOT = tmp_path
    (tmp_path / "css").mkdir()
    (tmp_path / "css" / "pdf.0123456789ab.css").write_text("p { color: red }")
    (tmp_path.parent / "outside.css").write_text("secret")
    (tmp_path / "css" / "link.css").symlink_to(tmp_path.parent / "outside.css")
    fetcher = StaticFilesFetcher(BASE)

    assert fetcher.fetch(f"{BASE}static/css/pdf.0123456789ab.css").read() == b"p { color: red }"
    with pytest.raises(RefusedURL):
        fetcher.fetch(f"{BASE}static/css/link.css")  # a link out of STATIC_ROOT


def test_fetcher_serves_data_urls():
    assert StaticFilesFetcher(BASE).fetch("data:text/plain;charset=utf-8,%E6%B3%B8").read() == (
        "泸".encode()
    )


def _no_network(sock, address):
    raise AssertionError(f"network access to {address}")


def test_rendering_skips_refused_urls_and_reads_no_local_file(monkeypatch, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    connections = []
    monkeypatch.setattr(socket.socket, "connect", lambda sock, address: connections.append(address))
    outcomes = {}
    fetch = StaticFilesFetcher.fetch

    def recording_fetch(self, url, headers=None):
        try:
            response = fetch(self, url, headers)
        except RefusedURL:
            outcomes[url] = "refused"
            raise
        outcomes[url] = "served"
        return response

    monkeypatch.setattr(StaticFilesFetcher, "fetch", recording_fetch)
    extra = f"""{{% block extra %}}
<img src="http://example.com/x.png" alt="">
<img src="file:///etc/passwd" alt="">
<link rel="stylesheet" href="https://example.com/evil.css">
<link rel="attachment" href="file://{secret}">
<style>
  @import url("http://example.com/import.css");
  p {{ background: url("file://{secret}") }}
</style>
{{% endblock %}}"""
    source = RECEIPT.replace("{% block extra %}{% endblock %}", extra)

    site = pdf.default_base_url()  # {% static %} URLs are made absolute on the platform's site

    document = render(source, **RECEIPT_CONTEXT)

    assert "备案编号：510502-2026-0001" in page_texts(document)[0].splitlines()
    assert PdfReader(io.BytesIO(document)).attachments == {}
    assert connections == []
    assert outcomes == {
        f"{site}static/fonts/NotoSansSC-Regular.otf": "served",
        f"{site}static/fonts/NotoSansSC-Bold.otf": "served",
        f"{site}static/css/pdf.css": "served",
        "http://example.com/x.png": "refused",
        "file:///etc/passwd": "refused",
        "https://example.com/evil.css": "refused",
        f"file://{secret}": "refused",
        "http://example.com/import.css": "refused",
    }
    # With WeasyPrint's default fetcher the attachment is a real leak, so the check above
    # means something.
    unrestricted = HTML(string=f'<link rel="attachment" href="file://{secret}">').write_pdf()
    assert PdfReader(io.BytesIO(unrestricted)).attachments == {"secret.txt": [b"top secret"]}


# --- QR codes -------------------------------------------------------------------------------


def test_qr_svg_data_uri_is_an_svg_with_a_path():
    uri = qr_svg_data_uri("https://luhuituo.example.gov.cn/verify/510502-2026-0001/abcdef")

    prefix, _, payload = uri.partition(",")
    assert prefix.startswith("data:image/svg+xml")
    svg = unquote(payload)
    assert svg.startswith("<svg") and "<path" in svg
    # A QR symbol is 17 + 4·version modules wide; the viewBox adds the 2-module quiet zone.
    width, height = re.search(r"viewBox=['\"]0 0 (\d+) (\d+)['\"]", svg).groups()
    assert width == height
    assert (int(width) - 2 * 2 - 17) % 4 == 0


def test_a_document_with_a_qr_code_renders(caplog):
    qr = qr_svg_data_uri("https://luhuituo.example.gov.cn/verify/510502-2026-0001/abcdef")

    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        document = render(RECEIPT, qr=qr, **RECEIPT_CONTEXT)

    assert [record.getMessage() for record in caplog.records] == []
    content = PdfReader(io.BytesIO(document)).pages[0].get_contents().get_data()
    assert content.count(b" l\n") > 100  # the code's modules, drawn as vector lines


# --- The base template ------------------------------------------------------------------------


def test_pages_are_numbered_in_the_footer():
    source = RECEIPT.replace(
        "{% block extra %}{% endblock %}",
        '{% block extra %}<p class="page-break">第一页</p><p>第二页</p>{% endblock %}',
    )

    texts = page_texts(render(source, **RECEIPT_CONTEXT))

    assert [text.splitlines()[-1] for text in texts] == ["1 / 2", "2 / 2"]


def test_render_pdf_renders_a_template_file_as_a4():
    document = render_pdf("pdf/base.html", {}, base_url="https://luhuituo.example.gov.cn/")

    page = PdfReader(io.BytesIO(document)).pages[0]
    width, height = (round(float(value) / 72 * 25.4) for value in page.mediabox[2:])
    assert (width, height) == (210, 297)
    assert page.extract_text() == "1 / 1"


def test_the_bundled_fonts_cover_the_names_of_luzhou():
    names = "泸惠托婴幼儿园卫健委备案回执江阳纳溪龙马潭泸县合叙永古蔺"
    for style in ("Regular", "Bold"):
        cmap = TTFont(Path(settings.BASE_DIR) / "static" / "fonts" / f"NotoSansSC-{style}.otf")
        cmap = cmap.getBestCmap()
        assert [char for char in names if ord(char) not in cmap] == []
