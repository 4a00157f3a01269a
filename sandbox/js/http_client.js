// Placeholder: filled in by the http_client work. Evaluated after node.js (see PRELUDE in sandbox/app.py).
