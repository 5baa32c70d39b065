"""A signed-in browser and a page read through it, for the tests of kept pages."""

from django.test import Client


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def read(client, path) -> str:
    """The page's HTML; it must answer 200."""
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()
