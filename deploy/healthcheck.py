#!/usr/bin/env python
"""Container health probe: exits 0 when the service answers 2xx on the given path (default /healthz).

The port is the service's own (<SERVICE>_PORT, else members 8001, orders 8002, billing 8003).
Standard library only: the slim image has no curl or wget. A 503 from /readyz raises, so exits 1.
"""

import os
import sys
import urllib.request

DEFAULT_PORTS = {"members": "8001", "orders": "8002", "billing": "8003"}

service = os.environ.get("SERVICE", "members")
port = os.environ.get(f"{service.upper()}_PORT") or DEFAULT_PORTS.get(service, "8001")
path = sys.argv[1] if len(sys.argv) > 1 else "/healthz"
try:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=4) as response:
        sys.exit(0 if 200 <= response.status < 300 else 1)
except Exception as error:  # any failure means unhealthy
    print(f"unhealthy: {error}", file=sys.stderr)
    sys.exit(1)
