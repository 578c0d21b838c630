"""The Cognito-compatible user pool server (``pip install "userpool[server]"``); the map of its
modules is docs/ARCHITECTURE.md. A regular package, so that import-graph tools (grimp) see it."""
