"""Sample data: a realistic synthetic dataset (generate, names) and the empty Excel template (template)."""
