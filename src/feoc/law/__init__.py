"""The law as data: parameters, vocabulary, interpretations and rules, loaded once as a `Law`."""
