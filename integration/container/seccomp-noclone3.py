#!/usr/bin/env python3
"""seccomp-noclone3.py DEFAULT.json OUT.json: the runtime's default seccomp
profile, but clone3 refused with ENOSYS, as Docker's own default profile
refuses it (so that glibc falls back to clone); everything else as in
the default, which refuses io_uring_setup by leaving it out of its allow
lists. Made at test time from the installed profile, so it follows the
installed runtime."""
import json
import sys

ENOSYS = 38

src, dst = sys.argv[1], sys.argv[2]
with open(src) as f:
    profile = json.load(f)
removed = 0
for rule in profile.get("syscalls", []):
    names = rule.get("names") or []
    if "clone3" in names and rule.get("action") == "SCMP_ACT_ALLOW":
        rule["names"] = [n for n in names if n != "clone3"]
        removed += 1
profile["syscalls"] = [r for r in profile["syscalls"] if r.get("names") != []]
profile["syscalls"].append({
    "names": ["clone3"],
    "action": "SCMP_ACT_ERRNO",
    "errnoRet": ENOSYS,
    "comment": "refused as in Docker's default profile: ENOSYS, so callers fall back to clone",
})
with open(dst, "w") as f:
    json.dump(profile, f, indent=1)
print(f"clone3 taken out of {removed} allow rule(s) of {src}, refused with ENOSYS")
