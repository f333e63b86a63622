"""The write path: validation, reference resolution and key-mapped, idempotent upserts."""
