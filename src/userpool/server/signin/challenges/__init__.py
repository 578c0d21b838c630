"""One module per challenge (Cognito's ChallengeNameType): each issues its challenge
(``issue``) and answers RespondToAuthChallenge for it (``answer``).

``signin/tables.py`` maps each name to its ``answer``; nothing here imports that table.
"""
