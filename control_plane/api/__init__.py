"""The control plane's admin API (FastAPI): app.py composes one router per resource;
errors.py is its one error type and handler, auth.py its one admin-token dependency,
control.py the process state the routers share (ControlPlane)."""
