#!/usr/bin/env python3
"""Seeds the fuzz corpora from fixtures/: every body of vectors.json and hostile.json that is
stored (not generated) and at most 64 KiB, for the envelope and verify targets."""
import base64, hashlib, json, os, sys

root = os.path.dirname(os.path.abspath(__file__))
seeded = 0
for name in ("vectors.json", "hostile.json"):
    cases = json.load(open(os.path.join(root, "..", "fixtures", name)))["cases"]
    for case in cases:
        if case.get("body") is not None:
            body = case["body"].encode()
        elif case.get("bodyBase64") is not None:
            body = base64.b64decode(case["bodyBase64"])
        else:
            continue  # bodyGenerated: megabytes, no use as a seed
        if len(body) > 64 * 1024:
            continue
        digest = hashlib.sha1(body).hexdigest()[:16]
        for target in ("envelope", "verify"):
            d = os.path.join(root, "corpus", target)
            os.makedirs(d, exist_ok=True)
            open(os.path.join(d, digest), "wb").write(body)
        seeded += 1
print("seeded", seeded, "bodies", file=sys.stderr)
