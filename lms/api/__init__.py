"""The read-only reporting API (``/api/v1/``) and the tokens that open it.

The province's reporting system pulls completion figures with a bearer token that an HR user
creates on ``/nhan-su/api/`` (or an administrator with ``manage.py create_api_token``). Only the
SHA-256 of a token is stored; the secret is shown once. A token reads what its user may read on
the HR dashboard — ``aggregation.roots_for_user`` — and every number comes from
``lms.reports.aggregation``. Session cookies never open the API.
"""
