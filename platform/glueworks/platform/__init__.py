"""glueworks.platform."""
