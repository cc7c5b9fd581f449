"""Running perpdesk in production: forwarded headers from trusted proxies, the CSP,
request ids, the request log and its format, metrics, health probes, database faults
and deadlines, and the per-person lookup rate limit."""
