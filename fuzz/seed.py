#!/usr/bin/env python3
"""Seeds the fuzz corpora from fixtures/: every vector's body (envelope, verify) and headers."""
import base64, hashlib, json, os, sys

root = os.path.dirname(os.path.abspath(__file__))
vectors = json.load(open(os.path.join(root, "..", "fixtures", "vectors.json")))
for case in vectors["cases"]:
    body = case["body"].encode() if case["body"] is not None else base64.b64decode(case["bodyBase64"])
    if len(body) > 64 * 1024:
        continue
    name = hashlib.sha1(body).hexdigest()[:16]
    for target in ("envelope", "verify"):
        d = os.path.join(root, "corpus", target)
        os.makedirs(d, exist_ok=True)
        open(os.path.join(d, name), "wb").write(body)
print("seeded", len(vectors["cases"]), "cases", file=sys.stderr)
