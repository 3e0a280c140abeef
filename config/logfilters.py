"""Logging filters. Imported by LOGGING in settings, so it may import nothing of the apps."""

import logging
import re

# /calendar/feed/<user id>/<token>/orders.ics: the token is a password for the feed.
FEED_TOKEN = re.compile(r"(/calendar/feed/\d+/)[^/\s?\"']+")


class RedactFeedTokens(logging.Filter):
    """Replace calendar feed tokens in a log line (request lines, 4xx warnings) by `<token>`."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = FEED_TOKEN.sub(r"\1<token>", message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True
