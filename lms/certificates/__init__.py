"""Certificates of completion: issued when a course is completed, signed, verifiable by anyone.

Where things are (each module's docstring has the details):

``models``        CertificateTemplate (snippet), SerialCounter, Certificate (one row per revision).
``services``      issue_for_enrollment(enrollment_id), reissue(cert, by_user, reason),
                  revoke(cert, by_user, reason), allocate_serial(year); CertificateError.
                  The only code that writes Certificate rows.
``rendering``     render_pdf(cert, template) -> bytes (xhtml2pdf, A4 landscape, embedded DejaVu
                  Serif, QR code); verify_url(cert) / verify_path(code): ``/verify/<code>/``.
``signing``       sign_pdf(bytes) -> bytes (PAdES B-B, SHA-256, pyHanko); trust_roots();
                  root_certificate_pem(); ensure_demo_pki() (``manage.py make_demo_signing_key``).
``verification``  verify_pdf(bytes) -> VerificationResult (never raises on bad input);
                  certificate_status(cert, today) -> valid / expired / revoked / superseded;
                  find_by_code(code), find_by_sha256(hex).
``tasks``         issue_certificate(enrollment_id); issue_missing_certificates() (beat sweeper).
``receivers``     learning's ``enrollment_completed`` signal -> issue_certificate on commit.

How a certificate comes to be: ``lms.learning.services.complete()`` sends
``lms.learning.signals.enrollment_completed``; ``receivers.issue_on_completion`` (connected in
``apps.CertificatesConfig.ready``) enqueues ``tasks.issue_certificate`` once the transaction
commits; the task calls ``services.issue_for_enrollment``, which snapshots the holder, unit and
course, takes the year's next serial, renders, signs and stores the PDF with its SHA-256. The
sweeper catches completions whose task was lost. learning never imports this package.

A PDF is served to its holder from the private storage (``Certificate.pdf``, never under
MEDIA_URL). The public verification page (``certificates:verify`` at ``/verify/<code>/``) looks
the code up with ``verification.find_by_code`` and shows ``certificate_status``; an uploaded
file goes through ``verification.verify_pdf``.
"""
