"""Ownership-chain arithmetic: one graph model and one cycle solver (and the same on arrays)."""
