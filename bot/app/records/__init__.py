"""A person's records: /export (one zip) and /forget (delete what the bot holds about
them)."""
