"""The error pages: the 500 page must render while the database is down."""

import pytest
from django.db import connections
from django.test import Client

from accounts.models import Role
from tests.factories import UserFactory


@pytest.fixture
def database_down(transactional_db):
    """Every new connection goes to a port where nothing listens, as when PostgreSQL has stopped."""
    connection = connections["default"]
    port = connection.settings_dict["PORT"]

    def stop():
        connection.close()
        connection.settings_dict["PORT"] = "1"

    yield stop
    connection.close()
    connection.settings_dict["PORT"] = port


@pytest.mark.parametrize("who", ["visitor", "resident", "admin"])
def test_the_500_page_renders_without_the_database(database_down, who):
    client = Client(raise_request_exception=False)
    if who != "visitor":
        client.force_login(UserFactory(role=Role.ADMIN if who == "admin" else Role.CITIZEN, is_staff=who == "admin"))
    database_down()
    response = client.get("/usulan/")
    assert response.status_code == 500
    text = response.content.decode()
    assert "Terjadi gangguan" in text and "Data yang sudah Anda simpan tidak hilang" in text
    assert 'href="/en/' in text  # the language link still works


def test_the_english_500_page_without_the_database(database_down):
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory())
    database_down()
    response = client.get("/en/usulan/")
    assert response.status_code == 500
    assert '<html lang="en">' in response.content.decode()
