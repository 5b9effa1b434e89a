"""The domain's vocabulary and shapes: coded values and their labels (codes), text normalisation (text),
the organisation tree as arrays (tree)."""
