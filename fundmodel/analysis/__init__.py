"""What-if analysis on top of the model: compare, uncertainty, selection."""
