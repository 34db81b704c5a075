"""Interoperability helper for dkim_interop.sh: drives python3-dkim
(dkimpy, an independent DKIM implementation) with keys served from one of
our zone files instead of real DNS.

  dkim_py.py verify ZONE MSG          one line per signature: pass|fail
  dkim_py.py sign KEY DOMAIN SEL CANON MSG   signed message on stdout
"""
import base64
import re
import sys

import dkim


def load_zone(path):
    """Owner name -> TXT data (strings joined) from an RFC 1035 file."""
    text = open(path, encoding="ascii").read()
    text = re.sub(r";[^\n\"]*(?=\n)", "", text)  # comments outside quotes
    origin = ""
    records = {}
    # Fold parenthesised records onto one line.
    text = re.sub(r"\(([^)]*)\)", lambda m: m.group(1).replace("\n", " "),
                  text)
    for line in text.splitlines():
        if line.startswith("$ORIGIN"):
            origin = line.split()[1]
            continue
        if not line.strip() or line.startswith("$") or \
                line[0] in " \t":
            continue
        name = line.split()[0]
        if "TXT" not in line.split():
            continue
        if not name.endswith("."):
            name = name + "." + origin
        data = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', line))
        records[name.lower().rstrip(".")] = data.encode()
    return records


def verify(zone, msgfile):
    records = load_zone(zone)

    def dnsfunc(name, timeout=5):
        if isinstance(name, bytes):
            name = name.decode()
        return records.get(name.lower().rstrip("."))

    msg = open(msgfile, "rb").read()
    d = dkim.DKIM(msg)
    n = len([h for h in d.headers if h[0].lower() == b"dkim-signature"])
    if n == 0:
        print("none")
    for i in range(n):
        try:
            ok = d.verify(idx=i, dnsfunc=dnsfunc)
        except dkim.DKIMException:
            ok = False     # dkimpy raises on a body hash mismatch
        print("pass" if ok else "fail")


def sign(keyfile, domain, sel, canon, msgfile):
    key = open(keyfile, "rb").read()
    alg = b"rsa-sha256"
    if b"-----BEGIN PRIVATE KEY-----" in key and len(key) < 200:
        # PKCS#8 ed25519: dkimpy wants the base64 32-byte seed.
        der = base64.b64decode(b"".join(key.split(b"\n")[1:-2]))
        key = base64.b64encode(der[-32:])
        alg = b"ed25519-sha256"
    msg = open(msgfile, "rb").read()
    h, b = canon.encode().split(b"/")
    sig = dkim.sign(msg, sel.encode(), domain.encode(), key,
                    canonicalize=(h, b), signature_algorithm=alg,
                    linesep=b"\n")
    sys.stdout.buffer.write(sig + msg)


if __name__ == "__main__":
    if sys.argv[1] == "verify":
        verify(sys.argv[2], sys.argv[3])
    else:
        sign(*sys.argv[2:7])
