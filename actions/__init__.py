"""Rasa SDK actions for Wegwijzer. Run the server with `python -m actions.serve` (see that module)."""
