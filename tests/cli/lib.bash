# shellcheck shell=bash
# lib.bash: helpers shared by the cli suites (bats `load lib`).

# port_pair : two consecutive free UDP ports on 127.0.0.1 (an IKE port and
# its NAT-T port, as ike-respond --local takes them): prints the first
port_pair() {
	python3 -c '
import socket
for _ in range(100):
    a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); a.bind(("127.0.0.1", 0))
    p = a.getsockname()[1]
    if p >= 65534: continue
    b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        b.bind(("127.0.0.1", p + 1))
    except OSError:
        continue
    print(p); break'
}
