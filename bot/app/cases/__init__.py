"""A sent case: its buttons and typed inputs, its texts and letters, the group card and
topic, /cases and /case (`service.FollowUpService` composes them)."""
