"""The Telegram side: handlers, keyboards, the webhook and HTTP server, the board's web
API, the terminal chat and the in-process Bot API."""
