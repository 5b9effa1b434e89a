"""Input: the canonical tables (schema), reading what offices send (readers), typing values (coerce),
checking them (checks, report) and the dataset they make (dataset)."""
