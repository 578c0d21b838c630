"""One module per AuthFlow (InitiateAuth / AdminInitiateAuth). Each flow takes the request's
``AuthParameters`` and answers with tokens or the first challenge; ``signin/tables.py``
maps the flow names to them."""
