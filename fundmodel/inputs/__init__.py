"""What the model reads: parameters, scenarios, portfolios."""
