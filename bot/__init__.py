"""The Telegram adapter and infrastructure: config, storage, rendering, handlers, CLI."""
