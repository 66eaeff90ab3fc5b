"""pytest collection at the repository root: which modules the doctests must not import."""

# Running ``python -m fundmodel`` is its only use; importing it would run the command.
collect_ignore = ["fundmodel/__main__.py"]
