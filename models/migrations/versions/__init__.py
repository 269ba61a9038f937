"""Migration scripts, oldest first by revision chain. Hand-written; review autogenerate."""
