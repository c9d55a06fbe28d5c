#!/bin/sh
# Extract every translatable text into locales/messages.pot, then bring each language's
# catalogue up to date with it (new texts added empty, changed ones marked fuzzy).
# Run from the repository root: sh scripts/extract_messages.sh
set -e
pybabel extract -F babel.cfg \
    -k N_ -k NP_:1,2 -k InputError -k ExportError -k CaseError -k _Rejected -k Phrase \
    -c Translators: --sort-by-file --no-wrap \
    --project refundbot --version 0.1.0 \
    -o locales/messages.pot .
pybabel update -i locales/messages.pot -d locales --no-wrap --ignore-obsolete
