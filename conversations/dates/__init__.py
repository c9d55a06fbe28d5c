"""Reading the date (and maybe time) of a charge, and counting days for deadlines.

This module owns turning what advertisers type (``9 Nov``, ``2026-11-03 10:02``,
``03/11/2026``, ``yesterday``) into a `When`, or an `Ambiguous` pair of readings for the
caller to ask about, plus the small calendar helpers the policy deadlines need.
Everything is relative to a `today` passed in, never the clock, so it is testable.

The reader's locale (a plain code such as ``ru`` or ``pt_BR``) adds its month and weekday
names, its words for today and yesterday and its small words (``de``, ``в``, ``pukul``) to
the English ones, which work everywhere. Outside English, numeric dates are read the way
the locale writes them, day first, without asking (``03/11/2026`` is 3 November; ``09.11``
and ``3/11`` need no year), and times may be written ``10h02`` or ``10.02``.

The package's parts: `reading` (what callers use), `grammar` (text to readings),
`words` (each language's names and small words) and `workdays` (deadline arithmetic).
Underscored names are private to the package.
"""

from conversations.dates.grammar import ISO_DATE, NUMERIC_DATE, full_year
from conversations.dates.reading import Ambiguous, When, parse_after, parse_when
from conversations.dates.words import month_number
from conversations.dates.workdays import add_business_days, days_between

__all__ = [
    "ISO_DATE",
    "NUMERIC_DATE",
    "Ambiguous",
    "When",
    "add_business_days",
    "days_between",
    "full_year",
    "month_number",
    "parse_after",
    "parse_when",
]
