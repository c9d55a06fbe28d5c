"""A chat's and a person's settings: /settings, time zone and quiet hours, the signature,
/language."""
