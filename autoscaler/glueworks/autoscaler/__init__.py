"""glueworks.autoscaler."""
