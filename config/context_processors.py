from django.conf import settings


def site(request):
    """Names every template may use: the app's and the company's."""
    return {
        "APP_NAME": settings.APP_NAME,
        "COMPANY_NAME": settings.COMPANY_NAME,
        "BASE_CURRENCY": settings.BASE_CURRENCY,
    }
