// Placeholder: filled in by the streams work. Evaluated after node.js (see PRELUDE in sandbox/app.py).
