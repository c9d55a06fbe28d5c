"""The database: tables, migrations and every query (one repository per aggregate)."""
