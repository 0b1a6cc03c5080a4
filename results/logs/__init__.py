"""Access logs: reading them into the database and judging their hits (issue 16)."""
