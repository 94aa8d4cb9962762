from pathlib import Path

import polib
from django.conf import settings
from django.urls import reverse

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "vi" / "LC_MESSAGES"


def test_vietnamese_catalogue_is_complete_and_compiled():
    po = polib.pofile(str(CATALOGUE / "django.po"))
    assert po.untranslated_entries() == []
    assert po.fuzzy_entries() == []
    mo = polib.mofile(str(CATALOGUE / "django.mo"))
    compiled = {(e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in mo}
    for entry in po.translated_entries():
        assert (entry.msgctxt, entry.msgid) in compiled, f"{entry.msgid!r} is not compiled: run make messages"
        msgstr, plural = compiled[(entry.msgctxt, entry.msgid)]
        expected = entry.msgstr_plural if entry.msgid_plural else entry.msgstr
        assert (plural if entry.msgid_plural else msgstr) == expected, entry.msgid


def test_pages_speak_vietnamese_by_default(client, course):
    html = client.get(course.url).content.decode()
    assert '<html lang="vi">' in html
    assert "Đăng nhập" in html
    assert "Log in" not in html


def test_english_can_be_chosen(client, course):
    response = client.post(reverse("set_language"), {"language": "en", "next": course.url})
    assert response.status_code == 302
    html = client.get(course.url).content.decode()
    assert '<html lang="en">' in html
    assert "Log in" in html


def test_an_english_browser_still_gets_vietnamese(client, course):
    html = client.get(course.url, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="vi">' in html
