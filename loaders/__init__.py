"""Bulk import: source-system extracts and generated sample data into the hub's write path."""
