"""glueworks.sdk."""
