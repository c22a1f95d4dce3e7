"""Verdicts to text, JSON, Markdown and CSV, one module per format behind `base.py`; atomic writes;
escaping of dataset strings. Nothing here judges: every verdict comes in from the caller."""
