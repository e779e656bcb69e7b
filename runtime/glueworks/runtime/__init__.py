"""glueworks.runtime."""
