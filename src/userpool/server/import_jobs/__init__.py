"""Bulk user import, as Cognito's CSV import jobs do it, and export in the same CSV shape.

The job's life (Cognito's statuses): ``Created`` (CreateUserImportJob; the caller PUTs the
CSV to the job's ``PreSignedUrl``, which this server serves itself at ``PUT /import/<jobId>``
(``app.py``) with an HMAC signature instead of S3) → ``Pending`` (StartUserImportJob) →
``InProgress`` → ``Succeeded`` / ``Failed``, or ``Stopping`` → ``Stopped`` (StopUserImportJob).

Imported users get status ``RESET_REQUIRED`` and no password, as Cognito's import does: they
sign in after ForgotPassword / ConfirmForgotPassword.

- ``jobs``: the job row, its PreSignedUrl and its stored upload;
- ``csv_plan``: the CSV header the pool allows (GetCSVHeader) and each row checked against it;
- ``runner``: running a job in batches, leases, resuming a job whose runner died;
- ``export``: the pool's users written back in the same CSV shape;
- ``cli``: ``userpool users import|export`` on the database directly.

The operations (GetCSVHeader, Create/Start/Describe/List/StopUserImportJob) are ``ops/import_jobs.py``.
"""
