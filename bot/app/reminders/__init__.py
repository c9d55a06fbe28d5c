"""The reminder sweep (the database is the queue), the reminders' texts, the monthly
summary, and how a message is sent."""
