"""The provider interface, its result and errors, and the HTTP plumbing the adapters share:
the OAuth2 bearer token (refreshed once on a 401), timeouts, and sorting answers into
success, Retryable and Permanent."""

import email.utils
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import requests
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounting.models import ProviderToken


@dataclass(frozen=True)
class PushResult:
    """What the provider calls the document we pushed."""

    external_id: str
    external_number: str = ""


class ProviderError(Exception):
    """A push that did not go through; `str()` is a sentence for the Sync page."""


class Retryable(ProviderError):
    """Worth trying again (rate limited, the provider is down, no answer in time), not
    before `retry_after` seconds when the provider said so (Retry-After)."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class Permanent(ProviderError):
    """Refused for good as sent (a validation error, a missing account): fix the data, then
    Retry on the Sync page."""


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds: a number of seconds or an HTTP date; None when absent/bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max((when - timezone.now()).total_seconds(), 0.0)


class Provider:
    """One accounting provider over HTTP. Subclasses set `name` and `label` and write the
    three pushes with `self.request(...)`, which adds the bearer token and the provider's
    headers, refreshes the token once on a 401, and raises Retryable for 429/5xx/timeouts.
    Any other 4xx comes back as the response for the adapter to read (a duplicate may be a
    success), then `self.refused(response)` raises Permanent with the provider's message."""

    name = ""
    label = ""

    def __init__(self, session: requests.Session | None = None):
        self.base_url = settings.ACCOUNTING_BASE_URL
        self.tenant = settings.ACCOUNTING_TENANT
        self.timeout = settings.ACCOUNTING_TIMEOUT_SECONDS
        self.session = session or requests.Session()

    # The interface ------------------------------------------------------------------------

    def push_invoice(self, payload: dict, idempotency_key: str) -> PushResult:
        raise NotImplementedError

    def void_invoice(self, payload: dict, idempotency_key: str) -> PushResult:
        raise NotImplementedError

    def push_payment(self, payload: dict, idempotency_key: str) -> PushResult:
        raise NotImplementedError

    # HTTP ---------------------------------------------------------------------------------

    def headers(self, idempotency_key: str | None) -> dict[str, str]:
        return {"Accept": "application/json"}

    def request(
        self,
        method: str,
        path: str,
        *,
        idempotency_key: str | None = None,
        json: Any = None,
        params: dict | None = None,
    ) -> requests.Response:
        token = self._token()
        if not token.access_token:
            token = self._refresh(stale_access_token="")
        response = self._send(method, path, token, idempotency_key, json, params)
        if response.status_code == 401:
            token = self._refresh(stale_access_token=token.access_token)
            response = self._send(method, path, token, idempotency_key, json, params)
            if response.status_code == 401:
                raise Permanent(
                    f"{self.label} refused our credentials even after a token refresh: "
                    "reconnect the provider (a new ACCOUNTING_REFRESH_TOKEN)."
                )
        if response.status_code == 429:
            raise Retryable(
                f"{self.label} is rate limiting us (429).",
                retry_after_seconds(response.headers.get("Retry-After")),
            )
        if response.status_code >= 500:
            raise Retryable(
                f"{self.label} answered {response.status_code}: {self.message_of(response)}",
                retry_after_seconds(response.headers.get("Retry-After")),
            )
        return response

    def _send(self, method, path, token, idempotency_key, json, params) -> requests.Response:
        headers = {**self.headers(idempotency_key), "Authorization": f"Bearer {token.access_token}"}
        try:
            return self.session.request(
                method,
                f"{self.base_url}{path}",
                json=json,
                params=params,
                headers=headers,
                timeout=self.timeout,
            )
        except requests.Timeout as error:
            raise Retryable(f"{self.label} did not answer within {self.timeout} s.") from error
        except requests.ConnectionError as error:
            raise Retryable(f"{self.label} could not be reached: {error}") from error

    def refused(self, response: requests.Response) -> Permanent:
        return Permanent(
            f"{self.label} refused it ({response.status_code}): {self.message_of(response)}"
        )

    def message_of(self, response: requests.Response) -> str:
        """The provider's own words from an error body (adapters read their format)."""
        return response.text[:500] or response.reason

    # OAuth2 tokens ------------------------------------------------------------------------

    def _token(self) -> ProviderToken:
        token = ProviderToken.objects.filter(provider=self.name).first()
        if token is None:
            token, _ = ProviderToken.objects.get_or_create(
                provider=self.name, defaults={"refresh_token": settings.ACCOUNTING_REFRESH_TOKEN}
            )
        return token

    def _refresh(self, *, stale_access_token: str) -> ProviderToken:
        """Trade the refresh token for new tokens, under the token row's lock: a worker that
        finds the access token already changed (another worker refreshed) uses that one.
        Raises Permanent when the provider refuses the refresh token (reconnect)."""
        with transaction.atomic():
            self._token()
            token = ProviderToken.objects.select_for_update().get(provider=self.name)
            if token.access_token and token.access_token != stale_access_token:
                return token
            if not token.refresh_token:
                raise Permanent(
                    f"No {self.label} refresh token: set ACCOUNTING_REFRESH_TOKEN (or the "
                    "provider token in the admin) to connect."
                )
            try:
                response = self.session.post(
                    settings.ACCOUNTING_TOKEN_URL,
                    data={"grant_type": "refresh_token", "refresh_token": token.refresh_token},
                    auth=(settings.ACCOUNTING_CLIENT_ID, settings.ACCOUNTING_CLIENT_SECRET),
                    headers={"Accept": "application/json"},
                    timeout=self.timeout,
                )
            except requests.RequestException as error:
                raise Retryable(f"{self.label}'s token service could not be reached.") from error
            if response.status_code == 429 or response.status_code >= 500:
                raise Retryable(
                    f"{self.label}'s token service answered {response.status_code}.",
                    retry_after_seconds(response.headers.get("Retry-After")),
                )
            if response.status_code != 200:
                raise Permanent(
                    f"{self.label} refused the refresh token ({response.status_code}: "
                    f"{response.text[:200]}): reconnect the provider."
                )
            body = response.json()
            token.access_token = body["access_token"]
            token.refresh_token = body.get("refresh_token") or token.refresh_token
            token.refreshed_at = timezone.now()
            expires_in = body.get("expires_in")
            token.expires_at = token.refreshed_at + timedelta(seconds=int(expires_in or 1800))
            token.save()
            return token
