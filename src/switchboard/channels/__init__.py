"""Channel endpoints (inboxes). Each channel's intake and delivery live in a subpackage."""
