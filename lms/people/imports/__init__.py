"""Bulk import of officials from CSV or XLSX: read → validate (dry run) → apply atomically."""
