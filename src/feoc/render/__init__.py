"""Verdicts to text, JSON, Markdown and CSV; atomic writes; escaping of dataset strings."""
