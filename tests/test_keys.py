import pickle
import warnings

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, rsa

from cfsign_nb import (
    CfSignWarning,
    KeyLoadError,
    PrivateKey,
    generate_key,
    load_private_key,
    load_public_key,
)

PEM = serialization.Encoding.PEM
DER = serialization.Encoding.DER
NO_ENCRYPTION = serialization.NoEncryption()


def _serialise(key: PrivateKey, encoding: serialization.Encoding, fmt: serialization.PrivateFormat,
               passphrase: bytes | None = None) -> bytes:
    encryption = serialization.BestAvailableEncryption(passphrase) if passphrase else NO_ENCRYPTION
    return key.key.private_bytes(encoding, fmt, encryption)


@pytest.mark.parametrize("encoding", [PEM, DER])
@pytest.mark.parametrize("fmt", ["traditional", "pkcs8"])
def test_loads_pem_and_der_in_every_form(any_key: PrivateKey, encoding: serialization.Encoding, fmt: str) -> None:
    # "traditional" is PKCS#1 for RSA and SEC1 for ECDSA.
    private_format = (
        serialization.PrivateFormat.TraditionalOpenSSL if fmt == "traditional" else serialization.PrivateFormat.PKCS8
    )
    data = _serialise(any_key, encoding, private_format)
    assert load_private_key(data) == any_key
    if encoding is PEM:
        assert load_private_key(data.decode()) == any_key


def test_loads_from_path_and_key_objects(tmp_path, rsa_key: PrivateKey) -> None:
    path = tmp_path / "key.pem"
    path.write_bytes(rsa_key.private_pem())
    assert load_private_key(path) == rsa_key
    assert load_private_key(str(path)) == rsa_key
    assert load_private_key(rsa_key.key) == rsa_key
    assert load_private_key(rsa_key) is rsa_key


def test_encrypted_keys(ecdsa_key: PrivateKey) -> None:
    encrypted = ecdsa_key.private_pem("correct horse")
    assert load_private_key(encrypted, passphrase="correct horse") == ecdsa_key
    with pytest.raises(KeyLoadError, match="encrypted; pass its passphrase"):
        load_private_key(encrypted)
    with pytest.raises(KeyLoadError, match="passphrase is wrong"):
        load_private_key(encrypted, passphrase="wrong")
    with pytest.raises(KeyLoadError, match="not encrypted; drop the passphrase"):
        load_private_key(ecdsa_key.private_pem(), passphrase="unneeded")


def test_a_wrong_passphrase_that_decrypts_to_garbage_is_still_a_wrong_passphrase(ecdsa_key: PrivateKey) -> None:
    # About one wrong passphrase in 250 leaves the cipher's padding valid; cryptography then
    # reports undecodable key data rather than a bad password.
    from cryptography.hazmat.primitives import serialization

    encrypted = ecdsa_key.private_pem("right")
    garbled = []
    for n in range(5000):
        try:
            serialization.load_pem_private_key(encrypted, f"wrong {n}".encode())
        except ValueError as err:
            if "password" not in str(err).lower():
                garbled.append(f"wrong {n}")
                if len(garbled) == 3:
                    break
    assert garbled
    for passphrase in garbled:
        with pytest.raises(KeyLoadError, match="passphrase is wrong"):
            load_private_key(encrypted, passphrase=passphrase)


@pytest.mark.parametrize(
    ("make", "hint"),
    [
        (lambda: ec.generate_private_key(ec.SECP384R1()), "only P-256"),
        (lambda: ed25519.Ed25519PrivateKey.generate(), "RSA-2048 or ECDSA P-256"),
        (lambda: dsa.generate_private_key(2048), "RSA-2048 or ECDSA P-256"),
    ],
)
def test_key_types_cloudfront_rejects(make, hint: str) -> None:
    key = make()
    pem = key.private_bytes(PEM, serialization.PrivateFormat.PKCS8, NO_ENCRYPTION)
    for source in (key, pem):
        with pytest.raises(KeyLoadError, match=hint):
            load_private_key(source)


def test_other_rsa_sizes_load_with_a_warning() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    with pytest.warns(CfSignWarning, match="only RSA-2048"):
        loaded = load_private_key(key)
    assert loaded.description == "RSA-1024"


@pytest.mark.parametrize(
    ("source", "hint"),
    [
        ("not a key and not a file", "neither PEM"),
        (b"garbage bytes", "PKCS#1, PKCS#8 or SEC1"),
        ("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----", "cannot read a private key"),
        (12345, "cannot load a private key from int"),
        ("/no/such/file.pem", "neither PEM"),
    ],
)
def test_unreadable_private_keys(source: object, hint: str) -> None:
    with pytest.raises(KeyLoadError, match=hint):
        load_private_key(source)  # type: ignore[arg-type]


def test_public_key_given_where_private_is_needed(rsa_key: PrivateKey) -> None:
    with pytest.raises(KeyLoadError, match="public key"):
        load_private_key(rsa_key.public_key_pem())


def test_public_keys(any_key: PrivateKey) -> None:
    pem = any_key.public_key_pem()
    assert pem.startswith("-----BEGIN PUBLIC KEY-----")
    public = load_public_key(pem)
    assert public == any_key.public_key == load_public_key(any_key) == load_public_key(any_key.private_pem())
    der = any_key.public_key.key.public_bytes(DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert load_public_key(der) == public
    signature = any_key.sign(b"data", "SHA256")
    assert public.verify(signature, b"data", "SHA256")
    assert not public.verify(signature, b"data", "SHA1")
    assert not public.verify(signature, b"other", "SHA256")
    assert not public.verify(b"junk", b"data")


@pytest.mark.parametrize("hash_name", ["SHA1", "SHA256"])
def test_verifier_binds_the_hash_once(any_key: PrivateKey, hash_name: str) -> None:
    public = any_key.public_key
    verify = public.verifier(hash_name)
    signature = any_key.signing_function(hash_name)(b"data")
    assert verify(signature, b"data")
    assert not verify(signature, b"other")
    assert not verify(b"junk", b"data")
    other = "SHA1" if hash_name == "SHA256" else "SHA256"
    assert not public.verifier(other)(signature, b"data")
    with pytest.raises(ValueError, match="hash algorithm"):
        public.verifier("MD5")


def test_reprs_and_errors_never_show_key_material(rsa_key: PrivateKey) -> None:
    pem = rsa_key.private_pem().decode()
    body = "".join(pem.splitlines()[1:-1])
    assert "PRIVATE" not in repr(rsa_key) and body[:40] not in repr(rsa_key)
    assert repr(rsa_key).startswith("PrivateKey(RSA-2048, fingerprint=")
    damaged = pem[: len(pem) // 2] + "\n-----END PRIVATE KEY-----\n"
    with pytest.raises(KeyLoadError) as info:
        load_private_key(damaged)
    assert body[:40] not in str(info.value)


def test_private_keys_refuse_pickling(ecdsa_key: PrivateKey) -> None:
    with pytest.raises(TypeError, match="not picklable"):
        pickle.dumps(ecdsa_key)


def test_generate_key() -> None:
    assert generate_key("ecdsa").description == "ECDSA P-256"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert generate_key("rsa").description == "RSA-2048"
    with pytest.raises(KeyLoadError, match="'rsa'"):
        generate_key("dsa")


def test_pem_pasted_on_one_line_still_loads(ecdsa_key: PrivateKey) -> None:
    one_line = ecdsa_key.private_pem().decode().replace("\n", " ")
    assert load_private_key(one_line) == ecdsa_key
    assert load_public_key(ecdsa_key.public_key_pem().replace("\n", "")) == ecdsa_key.public_key
