"""Screens in words: templates, labels, formats and languages, and the `Reply`/`Button`
screen models the use cases return."""
