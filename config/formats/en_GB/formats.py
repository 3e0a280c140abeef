# Dates read the same on every page, print and email: settings.DATE_DISPLAY_FORMAT
# ("d M Y": 10 Jan 2027). Inputs are ISO 8601 first (<input type="date"> posts 2027-01-10).
from django.conf import settings

DATE_FORMAT = settings.DATE_DISPLAY_FORMAT
SHORT_DATE_FORMAT = settings.DATE_DISPLAY_FORMAT
DATETIME_FORMAT = settings.DATETIME_DISPLAY_FORMAT
SHORT_DATETIME_FORMAT = settings.DATETIME_DISPLAY_FORMAT
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d.%m.%Y"]
