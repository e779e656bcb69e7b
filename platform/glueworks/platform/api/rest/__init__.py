"""The REST /v1 front door."""
