"""Outputs: what screens show (views, rating_views) and the files written for people and machines
(results, documents, writers, excel)."""
