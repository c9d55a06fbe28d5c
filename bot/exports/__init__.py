"""Billing-export files, decoded in the adapter: bytes (encodings, CSV separators, the XLSX
zip) into rows of cells, which the domain (conversations/billing/) reads into charges.

- `files`: the text's encoding, the CSV separators, an XLSX's sheets, within the caps;
- `xlsx`: the streaming XLSX reader (`Workbook`), with `xlsx_sheet` (a worksheet's XML
  into rows) and `xlsx_parts` (errors, budgets, one XML part parsed a chunk at a time);
- `read`: `parse_export` and `export_title`, the entry points the bot calls.
"""

from bot.exports.read import export_title, parse_export

__all__ = ["export_title", "parse_export"]
