"""The REST API's shared machinery: errors, ETags and If-Match, OData query options, paging,
idempotent POSTs, permissions and throttling. Each app's `api/` package builds on it."""
