"""Reading and validating dataset folders, and importers of other formats into datasets."""
