"""The one place perpdesk talks to PERP: `client` (HTTP), `models` (typed data), `errors`."""
