"""Verdicts for entities, facilities and vehicles, built from determinations."""
