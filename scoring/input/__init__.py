"""Input: the canonical tables (schema), reading what offices send (readers: folders and Parquet; csv_text;
xlsx; raw_table; limits), typing values (coerce), checking them (checks, report) and the dataset they make
(dataset)."""
