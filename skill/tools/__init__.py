"""Developer commands: generating interaction models, packaging."""
