"""Reports: the timeline of verdicts per subject, rendered as Markdown or JSON, written atomically."""
