"""The use cases: what the bot does with each input (intake, cases, imports, records,
stats, reminders), returning the replies to send. Nothing of Telegram here."""
