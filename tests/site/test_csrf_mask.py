"""The CSRF token put in each page served from a kept render (balikpapan_pb.shared_pages.csrf_token):
Django's own token for the request's secret, masked afresh for every page (BREACH: no two
responses carry the same token bytes), with a mask drawn evenly from every allowed character."""

from collections import Counter

from django.middleware.csrf import CSRF_ALLOWED_CHARS, _unmask_cipher_token, get_token
from django.test import RequestFactory

from balikpapan_pb.shared_pages import csrf_token


def request_with_secret(secret: str):
    request = RequestFactory().get("/")
    request.META["CSRF_COOKIE"] = secret
    return request


def test_each_page_gets_a_fresh_token_of_the_request_secret_that_django_accepts():
    secret = "abcdefghijklmnopqrstuvwxyzABCDEF"
    request = request_with_secret(secret)
    tokens = [csrf_token(request) for _ in range(2000)]
    assert len(set(tokens)) == 2000
    assert all(len(token) == len(get_token(request)) and _unmask_cipher_token(token) == secret for token in tokens)
    assert request.META["CSRF_COOKIE_NEEDS_UPDATE"]  # the cookie is renewed, as Django's get_token does
    masks = Counter(char for token in tokens for char in token[:32])
    assert set(masks) == set(CSRF_ALLOWED_CHARS)
    # 1,032 each (standard deviation 32); a modulo bias would give the first eight 1,290
    expected = 2000 * 32 / len(CSRF_ALLOWED_CHARS)
    assert all(0.85 * expected < count < 1.15 * expected for count in masks.values())


def test_a_request_without_a_secret_gets_a_new_one_as_from_django():
    request = RequestFactory().get("/")
    token = csrf_token(request)
    assert _unmask_cipher_token(token) == request.META["CSRF_COOKIE"]
