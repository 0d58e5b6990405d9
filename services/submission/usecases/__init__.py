"""What a user or an event asks of the submission service: one function each, and
the only place a transaction opens."""
