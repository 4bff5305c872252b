#!/usr/bin/env python3
"""Generates the users of tools/radload/run.sh: the same names and passwords for the appliance and FreeRADIUS.

Writes into OUT_DIR:
  users.csv             username,password (header line) - for `appliance users import FILE --kind pupil`
  fr-users-pbkdf2       FreeRADIUS users file: PBKDF2-Password (HMAC-SHA256, the appliance's PAP hash) + NT-Password
  fr-users-cleartext    FreeRADIUS users file: Cleartext-Password only (protocol overhead alone)
Passwords and salts are derived from the seed, so the same seed gives the same users (the caller can import once).
Standard library only; MD4 (for the NT hash) is written out here because OpenSSL 3 no longer offers it by default.
"""
import argparse
import base64
import hashlib
import hmac
import os
import struct
import sys
from multiprocessing import Pool

ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O/1/l/I: nothing to quote anywhere
CANARY = "radload-canary"


def md4(data: bytes) -> bytes:
    """RFC 1320 MD4 (only for the NT hash, RFC 2759 section 8.3)."""
    def f(x, y, z): return (x & y) | (~x & z)
    def g(x, y, z): return (x & y) | (x & z) | (y & z)
    def h(x, y, z): return x ^ y ^ z
    def rotl(v, s): return ((v << s) | (v >> (32 - s))) & 0xFFFFFFFF

    msg = data + b"\x80" + b"\x00" * ((55 - len(data)) % 64) + struct.pack("<Q", len(data) * 8)
    a, b, c, d = 0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476
    for off in range(0, len(msg), 64):
        x = struct.unpack("<16I", msg[off:off + 64])
        aa, bb, cc, dd = a, b, c, d
        for i in range(16):
            k, s = i, (3, 7, 11, 19)[i % 4]
            a, b, c, d = d, rotl((a + f(b, c, d) + x[k]) & 0xFFFFFFFF, s), b, c
        for i in range(16):
            k, s = (i % 4) * 4 + i // 4, (3, 5, 9, 13)[i % 4]
            a, b, c, d = d, rotl((a + g(b, c, d) + x[k] + 0x5A827999) & 0xFFFFFFFF, s), b, c
        for i in range(16):
            k, s = (0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15)[i], (3, 9, 11, 15)[i % 4]
            a, b, c, d = d, rotl((a + h(b, c, d) + x[k] + 0x6ED9EBA1) & 0xFFFFFFFF, s), b, c
        a, b, c, d = (a + aa) & 0xFFFFFFFF, (b + bb) & 0xFFFFFFFF, (c + cc) & 0xFFFFFFFF, (d + dd) & 0xFFFFFFFF
    return struct.pack("<4I", a, b, c, d)


def nt_hash(password: str) -> str:
    return md4(password.encode("utf-16-le")).hex()


def derive(seed: str, label: str, name: str) -> bytes:
    return hmac.new(seed.encode(), f"{label}:{name}".encode(), hashlib.sha256).digest()


def password_for(seed: str, name: str, length: int) -> str:
    d = derive(seed, "password", name)
    return "".join(ALPHABET[b % len(ALPHABET)] for b in d[:length])


def pbkdf2_entry(args):
    """FreeRADIUS rlm_pap's Crypt::PBKDF2 LDAP form: HMACSHA2+256:b64(iterations, 4 octets big-endian):b64(salt):b64(hash)."""
    password, salt, iterations = args
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations, 32)
    b64 = lambda b: base64.b64encode(b).decode()
    return f"HMACSHA2+256:{b64(struct.pack('>I', iterations))}:{b64(salt)}:{b64(digest)}"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--users", type=int, required=True)
    p.add_argument("--iterations", type=int, required=True, help="0: no PBKDF2 hashes (CSV and cleartext file only)")
    p.add_argument("--seed", required=True)
    p.add_argument("--password-length", type=int, default=16)
    p.add_argument("--out", required=True)
    a = p.parse_args()

    # RFC 2759 section 9.2 test vector: "clientPass" -> 44EBBA8D5312B8D611474411F56989AE.
    assert nt_hash("clientPass") == "44ebba8d5312b8d611474411f56989ae", "MD4/NT-hash self-test failed"

    width = max(4, len(str(a.users)))
    names = [f"user{i:0{width}d}" for i in range(1, a.users + 1)]
    passwords = [password_for(a.seed, n, a.password_length) for n in names]
    salts = [derive(a.seed, "salt", n)[:16] for n in names]
    # The canary: its PBKDF2-Password and NT-Password are for different passwords, so a PAP accept with the first
    # and a reject with the second proves FreeRADIUS checks PAP against the PBKDF2 hash, not the NT hash.
    canary_pbkdf2_pw = password_for(a.seed, "canary-pbkdf2", a.password_length)
    canary_nt_pw = password_for(a.seed, "canary-nt", a.password_length)

    entries = []
    if a.iterations > 0:  # 0: the CSV and the cleartext file only (no hashing)
        jobs = [(pw, s, a.iterations) for pw, s in zip(passwords, salts)]
        jobs.append((canary_pbkdf2_pw, derive(a.seed, "salt", CANARY)[:16], a.iterations))
        with Pool(os.cpu_count() or 1) as pool:
            entries = pool.map(pbkdf2_entry, jobs, chunksize=16)

    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "users.csv"), "w") as f:
        f.write("username,password\n")
        for n, pw in zip(names, passwords):
            f.write(f"{n},{pw}\n")
    # PBKDF2-Password first: rlm_pap uses the first password attribute it knows in the control list.
    if entries:
        with open(os.path.join(a.out, "fr-users-pbkdf2"), "w") as f:
            for n, pw, e in zip(names, passwords, entries):
                f.write(f'{n}\tPBKDF2-Password := "{e}", NT-Password := 0x{nt_hash(pw)}\n\n')
            f.write(f'{CANARY}\tPBKDF2-Password := "{entries[-1]}", NT-Password := 0x{nt_hash(canary_nt_pw)}\n\n')
    with open(os.path.join(a.out, "fr-users-cleartext"), "w") as f:
        for n, pw in zip(names, passwords):
            f.write(f'{n}\tCleartext-Password := "{pw}"\n\n')
    with open(os.path.join(a.out, "canary.txt"), "w") as f:
        f.write(f"{CANARY} {canary_pbkdf2_pw} {canary_nt_pw}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
