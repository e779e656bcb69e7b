"""The Glue JSON 1.1 front door."""
