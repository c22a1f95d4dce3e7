"""Record types, the dataset, problems and safe YAML: what every other package reads."""
