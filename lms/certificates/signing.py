"""Signing certificates' PDFs (PAdES baseline B-B, SHA-256, pyHanko).

API
---
``sign_pdf(pdf_bytes, *, reason=None, signer=None) -> bytes``
    The PDF with an invisible PAdES signature appended as an incremental update. ``signer``
    defaults to the configured key (``signing_key()``); pass another ``pyhanko`` signer (from
    ``load_signer``) to sign with a different key.
``trust_roots() -> list[asn1crypto.x509.Certificate]``
    The roots verification trusts: ``CERTIFICATE_TRUST_ROOTS`` (a PEM file), else the demo root,
    else the self-signed CA certificates shipped inside the configured PKCS#12.
``root_certificate_pem() -> bytes``
    Those roots in PEM, for people to download and install.
``ensure_demo_pki(directory=None) -> DemoPKI``
    Creates, once, a demo root CA and a signing certificate it issued (what
    ``manage.py make_demo_signing_key`` runs); safe to call from several processes at once.
``signing_key()`` / ``load_signer(path, passphrase)`` / ``reset_caches()``

Configuration (settings, from the environment): ``CERTIFICATE_SIGNING_P12`` and
``CERTIFICATE_SIGNING_PASSPHRASE`` name the real key; without them the demo PKI under
``CERTIFICATE_DEMO_PKI_DIR`` is used if ``CERTIFICATE_ALLOW_DEMO_PKI`` (on, except in production).

The loaded key and roots are cached per process (keyed on the file's path and modification
time), with what each signature would otherwise rebuild: the parsed private key
(``PreparedKeySigner``), the room the signature needs (``_bytes_reserved``, so no dummy signature)
and the encoded signing-certificate-v2 attribute (``_pades_signed_attributes``). A signature then
takes about 5 ms instead of 35 ms; the signed attributes are the same bytes as pyHanko's own.

pyHanko's synchronous API runs an event loop of its own; ``run_sync`` moves the call to a worker
thread when the caller already has a running loop, so these functions are safe from any
synchronous code, including code that a Playwright or ASGI loop happens to be driving.
"""

import asyncio
import datetime
import fcntl
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEMO_ROOT_NAME = "Công chức số DEMO Root — not for real use"
DEMO_SIGNER_NAME = "Công chức số DEMO certificate signing — not for real use"
DEMO_ORGANISATION = "Công chức số (DEMO — not for real use)"
# The demo key is a demo: its passphrase is no secret, and says so.
DEMO_PASSPHRASE = b"demo-not-for-real-use"
DEMO_P12 = "demo-signing.p12"
DEMO_ROOT_PEM = "demo-root.pem"
SIGNATURE_FIELD = "CertificateSignature"


class SigningNotConfigured(ImproperlyConfigured):
    """No signing key: set CERTIFICATE_SIGNING_P12 (or allow the demo PKI)."""


def run_sync(function, *args, **kwargs):
    """Call ``function`` (which may start its own event loop) from synchronous code, in a worker
    thread if this thread already runs an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args, **kwargs)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pyhanko") as pool:
        return pool.submit(function, *args, **kwargs).result()


# Demo PKI ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoPKI:
    directory: Path
    p12_path: Path
    root_pem_path: Path
    created: bool


def _name(common_name):
    from cryptography.x509 import Name, NameAttribute
    from cryptography.x509.oid import NameOID

    return Name(
        [
            NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            NameAttribute(NameOID.ORGANIZATION_NAME, DEMO_ORGANISATION),
            NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _make_demo_material():
    """A demo root CA and a signing certificate issued by it: (PKCS#12 bytes, root PEM bytes)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12

    now = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=1)
    root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    root_name = _name(DEMO_ROOT_NAME)
    root = (
        x509.CertificateBuilder()
        .subject_name(root_name)
        .issuer_name(root_name)
        .public_key(root_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=20 * 365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
        .sign(root_key, hashes.SHA256())
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    leaf = (
        x509.CertificateBuilder()
        .subject_name(_name(DEMO_SIGNER_NAME))
        .issuer_name(root_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=10 * 365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,  # non-repudiation: what document signatures are checked for
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()),
            critical=False,
        )
        .sign(root_key, hashes.SHA256())
    )
    p12 = pkcs12.serialize_key_and_certificates(
        b"demo-signing", key, leaf, [root], serialization.BestAvailableEncryption(DEMO_PASSPHRASE)
    )
    # The root's private key is thrown away: the demo root can issue nothing else.
    return p12, root.public_bytes(serialization.Encoding.PEM)


def _write_atomically(path, data):
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temporary, "wb") as handle:
        os.fchmod(handle.fileno(), 0o600)
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def ensure_demo_pki(directory=None, force=False):
    """Create the demo root CA and signing key under ``directory`` unless they are already there.

    Idempotent and safe across processes (an exclusive lock on a file in the directory)."""
    directory = Path(directory or settings.CERTIFICATE_DEMO_PKI_DIR)
    p12_path, root_path = directory / DEMO_P12, directory / DEMO_ROOT_PEM
    if not force and p12_path.exists() and root_path.exists():
        return DemoPKI(directory, p12_path, root_path, created=False)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(directory / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not force and p12_path.exists() and root_path.exists():
                return DemoPKI(directory, p12_path, root_path, created=False)
            p12, root_pem = _make_demo_material()
            # The root first: a key without its root is never left alone on disk.
            _write_atomically(root_path, root_pem)
            _write_atomically(p12_path, p12)
            (directory / "README.txt").write_text(
                f"{DEMO_ROOT_NAME}\n\nA demonstration PKI made by `manage.py make_demo_signing_key`.\n"
                "It signs certificates so that the demo can be verified end to end. NOT FOR REAL USE:\n"
                "configure CERTIFICATE_SIGNING_P12, CERTIFICATE_SIGNING_PASSPHRASE and\n"
                "CERTIFICATE_TRUST_ROOTS with the organisation's own key and roots.\n",
                encoding="utf-8",
            )
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    reset_caches()
    return DemoPKI(directory, p12_path, root_path, created=True)


# Keys and roots ---------------------------------------------------------------------------------

_cache: dict[tuple[Any, ...], Any] = {}
_cache_lock = threading.Lock()


def reset_caches():
    with _cache_lock:
        _cache.clear()


def _cached(key, load):
    with _cache_lock:
        if key in _cache:
            return _cache[key]
    value = load()
    with _cache_lock:
        _cache[key] = value
    return value


def _file_key(kind, path):
    path = Path(path)
    return (kind, str(path.resolve()), path.stat().st_mtime_ns)


def _key_source():
    """(path of the PKCS#12, passphrase bytes, is_demo)."""
    configured = settings.CERTIFICATE_SIGNING_P12
    if configured:
        passphrase = settings.CERTIFICATE_SIGNING_PASSPHRASE
        return Path(configured), passphrase.encode() if passphrase else None, False
    if not settings.CERTIFICATE_ALLOW_DEMO_PKI:
        raise SigningNotConfigured(
            "No certificate signing key: set CERTIFICATE_SIGNING_P12 and CERTIFICATE_SIGNING_PASSPHRASE "
            "(or CERTIFICATE_ALLOW_DEMO_PKI=1 to sign with the demo PKI)."
        )
    return ensure_demo_pki().p12_path, DEMO_PASSPHRASE, True


def _signer_class():
    from cryptography.hazmat.primitives.asymmetric.ec import ECDSA
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
    from cryptography.hazmat.primitives.serialization import load_der_private_key
    from pyhanko.sign.general import get_pyca_cryptography_hash
    from pyhanko.sign.signers import SimpleSigner

    class PreparedKeySigner(SimpleSigner):
        """pyHanko's SimpleSigner parses (and re-validates) its private key on every signature,
        about 50 ms for RSA-2048; this one parses it once."""

        _private_key = None

        def sign_raw(self, data, digest_algorithm):
            mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
            if mechanism not in ("rsassa_pkcs1v15", "ecdsa"):
                return super().sign_raw(data, digest_algorithm)
            if self._private_key is None:
                self._private_key = load_der_private_key(self.signing_key.dump(), password=None)
            hash_algorithm = get_pyca_cryptography_hash(digest_algorithm)
            if mechanism == "ecdsa":
                return self._private_key.sign(data, ECDSA(hash_algorithm))
            return self._private_key.sign(data, PKCS1v15(), hash_algorithm)

    return PreparedKeySigner


def load_signer(p12_path, passphrase=None):
    """A pyHanko signer from a PKCS#12 file (not cached)."""
    if isinstance(passphrase, str):
        passphrase = passphrase.encode()
    data = Path(p12_path).read_bytes()
    signer_class = _signer_class()
    try:
        loaded = signer_class.load_pkcs12_data(data, other_certs=[], passphrase=passphrase)
    except ValueError as error:
        raise SigningNotConfigured(f"Cannot read the signing key {p12_path}: {error}") from error
    # load_pkcs12_data always builds a plain SimpleSigner: hand its material to ours.
    signer = signer_class(
        signing_cert=loaded.signing_cert, signing_key=loaded.signing_key, cert_registry=loaded.cert_registry
    )
    signer.signed_attr_prov_spec = _pades_signed_attributes(signer.signing_cert)
    return signer


def _pades_signed_attributes(signing_cert):
    """The signed attributes of our PAdES B-B signatures, with the signing-certificate-v2 attribute
    encoded once per key instead of once per signature.

    pyHanko builds that attribute afresh for every signature, and asn1crypto re-encodes a freshly
    built nested structure over and over (the issuer's name 128 times): about 30 ms of the 35 ms a
    signature took. The attribute depends on the certificate only, so it is encoded here once and
    handed over parsed from its DER, which asn1crypto then writes out as it is. pyHanko adds the
    content-type and message-digest attributes itself; PAdES has no signing-time attribute, and
    ``_sign`` asks for no CAdES attributes: the signed attributes come out byte for byte as
    pyHanko's own ``CAdESSignedAttributeProviderSpec(is_pades=True)`` makes them."""
    from asn1crypto import tsp
    from pyhanko.sign.attributes import CMSAttributeProvider, SignedAttributeProviderSpec
    from pyhanko.sign.general import as_signing_certificate_v2

    encoded = as_signing_certificate_v2(signing_cert).dump()

    class SigningCertificateV2(CMSAttributeProvider):
        attribute_type = "signing_certificate_v2"

        async def build_attr_value(self, dry_run=False):
            return tsp.SigningCertificateV2.load(encoded)

    class PAdESSignedAttributes(SignedAttributeProviderSpec):
        def signed_attr_providers(self, data_digest, digest_algorithm):
            yield SigningCertificateV2()

    return PAdESSignedAttributes()


def _bytes_reserved(signer):
    """Room for the CMS container: its certificates, the signature and the signed attributes, with
    a margin. Saying it spares pyHanko a dummy signature to estimate it (half the signing time)."""
    certificates = {cert.dump() for cert in signer.cert_registry} | {signer.signing_cert.dump()}
    reserved = 4096 + sum(len(der) for der in certificates) + 2 * signer.signing_cert.public_key.byte_size
    return reserved + reserved % 2  # pyHanko takes an even number only (a DER length may be odd)


def signing_key():
    """The configured signer, loaded once per process (and again when the file changes)."""
    path, passphrase, _is_demo = _key_source()
    try:
        key = _file_key("signer", path)
    except OSError as error:
        raise SigningNotConfigured(f"Cannot read the signing key {path}: {error}") from error
    return _cached(key, lambda: load_signer(path, passphrase))


def is_demo_key():
    return not settings.CERTIFICATE_SIGNING_P12


def trust_roots():
    """The root certificates (asn1crypto) a certificate's signature must chain to."""
    from pyhanko.keys import load_certs_from_pemder_data

    configured = settings.CERTIFICATE_TRUST_ROOTS
    if configured:
        path = Path(configured)
        return _cached(_file_key("roots", path), lambda: list(load_certs_from_pemder_data(path.read_bytes())))
    if not settings.CERTIFICATE_SIGNING_P12:
        if not settings.CERTIFICATE_ALLOW_DEMO_PKI:
            return []
        path = ensure_demo_pki().root_pem_path
        return _cached(_file_key("roots", path), lambda: list(load_certs_from_pemder_data(path.read_bytes())))
    # A configured key without configured roots: the self-signed CAs its PKCS#12 carries.
    signer = signing_key()
    return [cert for cert in signer.cert_registry if cert.self_signed == "maybe" or cert.self_signed == "yes"]


def root_certificate_pem():
    """The trusted roots in PEM, for download (empty when none is configured)."""
    from asn1crypto import pem

    return b"".join(pem.armor("CERTIFICATE", cert.dump()) for cert in trust_roots())


def signer_common_name(signer=None):
    signer = signer or signing_key()
    return signer.signing_cert.subject.native.get("common_name", "")


def _sign(pdf_bytes, reason, signer):
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    writer = IncrementalPdfFileWriter(BytesIO(pdf_bytes), strict=False)
    meta = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        name=signer_common_name(signer),
    )
    output = signers.sign_pdf(writer, meta, signer=signer, bytes_reserved=_bytes_reserved(signer))
    return output.getvalue()


def sign_pdf(pdf_bytes, *, reason=None, signer=None):
    """Sign ``pdf_bytes`` (PAdES B-B, SHA-256) and return the signed PDF."""
    return run_sync(_sign, pdf_bytes, reason, signer or signing_key())
