"""userpool: a Cognito-compatible user pool (server), Amplify Auth v6 for Python (client), and a
Cognito JWT verifier.

``pip install userpool`` gives :mod:`userpool.auth` and :mod:`userpool.verify`;
``pip install "userpool[server]"`` adds :mod:`userpool.server` and ``userpool serve``.
"""

__version__ = "0.1.0"
