"""`python -m bot` runs the same command line as `refundbot`."""

from bot.cli import main

raise SystemExit(main())
