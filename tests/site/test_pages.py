import pytest
from django.db import OperationalError
from django.test import Client

from balikpapan_pb import views


@pytest.mark.django_db
def test_healthz_reports_database_and_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "pages": "ok", "broker": "ok"}


@pytest.mark.django_db
def test_healthz_is_503_when_pages_cannot_be_rendered(client, settings, tmp_path):
    """The production storage without collectstatic: every page would answer 500, so the load
    balancer must be told, not shown a 200."""
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}
    with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
        Client().get("/")  # what every visitor gets: a 500, even from the error page
    response = Client(raise_request_exception=False).get("/healthz")
    assert response.status_code == 503
    assert response.json()["pages"] == "down"


@pytest.mark.django_db
def test_healthz_reports_a_broker_that_does_not_answer(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["broker"] == "down"


@pytest.mark.django_db
def test_healthz_is_503_when_the_database_does_not_answer(client, monkeypatch):
    class BrokenCursor:
        def __enter__(self):
            raise OperationalError("connection refused")

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(views.connection, "cursor", lambda: BrokenCursor())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "down"


@pytest.mark.django_db
def test_home_page_speaks_bahasa_indonesia_by_default(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="id">' in html
    assert "Yang bisa Anda lakukan sekarang" in html


@pytest.mark.django_db
def test_home_page_in_english(client):
    response = client.get("/en/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="en">' in html
    assert "What you can do now" in html
    assert "Yang bisa Anda lakukan sekarang" not in html


@pytest.mark.django_db
def test_language_switch_keeps_the_page(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/kebijakan-privasi/"})
    assert response.status_code == 302
    assert response["Location"] == "/en/kebijakan-privasi/"


@pytest.mark.django_db
@pytest.mark.parametrize("path, text", [("/tidak-ada/", "Halaman tidak ditemukan"), ("/en/nothing-here/", "Page not found")])
def test_friendly_404_in_both_languages(client, settings, path, text):
    settings.DEBUG = False
    response = client.get(path)
    assert response.status_code == 404
    assert text in response.content.decode()


@pytest.mark.django_db
def test_privacy_policy_names_the_law_and_the_rights(client):
    html = client.get("/kebijakan-privasi/").content.decode()
    assert "UU PDP" in html
    assert "Hak Anda" in html
    assert "hash" in html


@pytest.mark.django_db
def test_the_language_link_leads_to_the_same_page_in_the_other_language(client):
    indonesian = client.get("/usulan/?q=lampu").content.decode()
    assert 'href="/en/usulan/?q=lampu" hreflang="en"' in indonesian and ">English</a>" in indonesian
    english = client.get("/en/usulan/?q=lampu").content.decode()
    assert 'href="/usulan/?q=lampu" hreflang="id"' in english and ">Bahasa Indonesia</a>" in english
    assert "csrfmiddlewaretoken" not in indonesian  # a visitor's public page carries no token
