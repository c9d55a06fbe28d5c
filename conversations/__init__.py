"""The domain core: intake machine, eligibility engine, policy data, parsing and dates.

Plain Python and `transitions`; nothing here knows about Telegram, the database
or templates.
"""
