#!/usr/bin/env python3
"""An outside solver for `llm-offload --external NAME='python3 examples/external_greedy.py'`
(docs/external.md), standard library only: reads the instance file named by its last
argument, offloads each user with uncertainty above tau to its best-gain server with
room, keeps the others on the device, and prints a solution JSON (SPEC 8) on stdout."""
import json, sys

inst = json.load(open(sys.argv[-1]))
servers, load, assignment = inst["servers"], [0] * len(inst["servers"]), []
for i, user in enumerate(inst["users"]):
    room = [j for j, s in enumerate(servers) if s.get("max_users") is None or load[j] < s["max_users"]]
    if user["uncertainty"] > inst["tau"] and room:
        assignment.append(max(room, key=lambda j: inst["gain"][i][j]))
        load[assignment[-1]] += 1
    else:
        assignment.append(None)
print(json.dumps({"assignment": assignment, "algorithm": "external-greedy"}))
