from django.conf import settings


def site(request):
    return {"PRIVACY_POLICY_VERSION": settings.PRIVACY_POLICY_VERSION}
