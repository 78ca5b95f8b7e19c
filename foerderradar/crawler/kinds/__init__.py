"""Portal kinds: one package per kind (placeholder docstring, rewritten below)."""
