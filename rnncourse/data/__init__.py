"""Small data sets generated on the fly, deterministic from a seed (numpy only)."""
