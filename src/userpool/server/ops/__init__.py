"""Cognito operations, one module per capability; :mod:`userpool.server.operations` maps names to them."""
