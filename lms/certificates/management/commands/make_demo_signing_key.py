from django.conf import settings
from django.core.management.base import BaseCommand

from lms.certificates import signing


class Command(BaseCommand):
    help = (
        "Create the demo PKI that signs certificates when no real key is configured: a root CA "
        f"“{signing.DEMO_ROOT_NAME}” and a signing certificate it issued (PKCS#12 and root PEM) in "
        "CERTIFICATE_DEMO_PKI_DIR. Does nothing if they exist (unless --force)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--directory", help="Where to write them (default: CERTIFICATE_DEMO_PKI_DIR).")
        parser.add_argument("--force", action="store_true", help="Replace an existing demo PKI.")

    def handle(self, *args, directory=None, force=False, **options):
        pki = signing.ensure_demo_pki(directory, force=force)
        state = "created" if pki.created else "already present"
        self.stdout.write(f"Demo signing key {state}: {pki.p12_path}")
        self.stdout.write(f"Demo root certificate (install it to trust demo certificates): {pki.root_pem_path}")
        if settings.CERTIFICATE_SIGNING_P12:
            self.stdout.write(
                self.style.WARNING(
                    "CERTIFICATE_SIGNING_P12 is set: certificates are signed with that key, not this one."
                )
            )
