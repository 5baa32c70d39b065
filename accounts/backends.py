from axes.backends import AxesStandaloneBackend
from django.contrib.auth.backends import ModelBackend

from .caching import user_cached
from .models import User
from .phone import normalise_mobile
from .validators import demo_password_refused


def user_by_login(identifier: str) -> User | None:
    """The account an email address or an Indonesian mobile number (in any common spelling) names."""
    identifier = (identifier or "").strip()
    if "@" in identifier:
        return User.objects.filter(email__iexact=identifier).first()
    phone = normalise_mobile(identifier)
    return User.objects.filter(phone=phone).first() if phone else None


class EmailOrPhoneBackend(ModelBackend):
    """Signs in with an email address or a mobile number, and a password. Too many wrong passwords
    are counted by django-axes (AxesStandaloneBackend, before this one, on every way in: the site's
    form and the admin's), per account and client address together (accounts/throttle.py)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        username = username if username is not None else kwargs.get(User.USERNAME_FIELD)
        if not username or password is None:
            return None
        user = user_by_login(username)
        if user is None:
            User().set_password(password)  # as ModelBackend: the same time whether or not the account exists
            return None
        if demo_password_refused(password):  # production: the README prints it, whatever the account
            return None
        if user.check_password(password):
            return user if self.user_can_authenticate(user) else None
        return None

    def get_user(self, user_id):
        """Each signed-in request's user, from the shared cache (accounts.caching)."""
        user = user_cached(user_id, super().get_user)
        return user if user is not None and self.user_can_authenticate(user) else None

    # Django's model permissions only matter to staff in the admin. For everyone else the rules
    # of each app decide alone, and a page does not pay two queries to learn that a resident
    # holds no admin permission.
    def get_user_permissions(self, user_obj, obj=None):
        return super().get_user_permissions(user_obj, obj) if user_obj.is_staff else set()

    def get_group_permissions(self, user_obj, obj=None):
        return super().get_group_permissions(user_obj, obj) if user_obj.is_staff else set()


class SignInThrottleBackend(AxesStandaloneBackend):
    """django-axes' throttle (first in AUTHENTICATION_BACKENDS) for every sign-in that comes with a
    request. Code on the server that calls authenticate() without one (a shell, a management
    command) has no client to throttle: axes would refuse it with an exception, this lets it on."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
