// Placeholder: filled in by the crypto_keys work. Evaluated after node.js (see PRELUDE in sandbox/app.py).
