"""The scoring engine: per-year arrays (year), metric evaluation (evaluate), points and the long
result table (score), emulation-group ranking (rank), Vietnamese explanations (explain)."""

from scoring.engine.score import ScoreResult, ScoringError, score

__all__ = ["ScoreResult", "ScoringError", "score"]
