"""Duplicate detection: normalising, profiling and comparing partners, blocking keys,
learnt weights, and which source supplies each golden value."""
