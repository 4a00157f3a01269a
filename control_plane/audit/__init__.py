"""The audit log (issue 18): who did which admin action, on what, from where, with what
outcome. records.py holds the pure parts (keys, filters, masking, the client address),
log.py the writer, reader and retention sweep, middleware.py the hook in the admin API
that records every state-changing or refused request."""
