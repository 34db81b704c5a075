# Shared helpers for integration scripts (source it; bash). Every service
# listens on 127.0.0.1 only, runs from the caller's temp dir, and is
# stopped by its PID. Callers set WORK (a temp dir) and PY first.

PY=${PY:-/usr/bin/python3}

# Print a port free for both TCP and UDP on 127.0.0.1.
mxw_free_port() {
	"$PY" - <<'PYEOF'
import socket
for _ in range(50):
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.bind(("127.0.0.1", 0))
    port = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", port))
    except OSError:
        t.close()
        continue
    u.close()
    t.close()
    print(port)
    break
PYEOF
}

# Stop a process by PID: TERM, wait up to 2 s, then KILL.
mxw_stop_pid() {
	local pid=$1 i
	[ -n "$pid" ] || return 0
	kill -0 "$pid" 2>/dev/null || return 0
	kill "$pid" 2>/dev/null || true
	for i in $(seq 1 20); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null || true
}

# Wait until a DNS server on 127.0.0.1@PORT answers ZONE's SOA over UDP.
mxw_wait_dns() {
	"$PY" - "$1" "$2" <<'PYEOF'
import socket, struct, sys, time
port, zone = int(sys.argv[1]), sys.argv[2]
q = struct.pack(">HHHHHH", 0x1234, 0, 1, 0, 0, 0)
for label in zone.strip(".").split("."):
    q += bytes([len(label)]) + label.encode()
q += b"\0" + struct.pack(">HH", 6, 1)
for _ in range(100):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(0.2)
    try:
        s.sendto(q, ("127.0.0.1", port))
        r = s.recv(4096)
        if r[:2] == q[:2] and r[3] & 0xF == 0:
            sys.exit(0)
    except OSError:
        pass
    time.sleep(0.1)
print("DNS server on port %d does not answer for %s" % (port, zone),
      file=sys.stderr)
sys.exit(1)
PYEOF
}

# Start NSD on 127.0.0.1@PORT serving "ZONE=FILE" pairs, unprivileged,
# from $WORK/nsd. Sets NSD_PID. Returns non-zero (with NSD's log on
# stderr) if it does not come up.
mxw_nsd_start() {
	local port=$1 nsd dir z name file first=""
	shift
	nsd=${NSD:-$(command -v nsd || echo /usr/sbin/nsd)}
	dir="$WORK/nsd"
	mkdir -p "$dir"
	cat >"$dir/nsd.conf" <<NSDEOF
server:
	ip-address: 127.0.0.1
	port: $port
	do-ip6: no
	username: ""
	chroot: ""
	database: ""
	zonesdir: "$dir"
	zonelistfile: "$dir/zone.list"
	xfrdfile: "$dir/xfrd.state"
	xfrdir: "$dir"
	pidfile: "$dir/nsd.pid"
	logfile: "$dir/nsd.log"
	server-count: 1
	verbosity: 1
remote-control:
	control-enable: no
NSDEOF
	for z in "$@"; do
		name=${z%%=*}
		file=${z#*=}
		cp "$file" "$dir/$name.zone"
		printf 'zone:\n\tname: "%s"\n\tzonefile: "%s.zone"\n' \
		    "$name" "$name" >>"$dir/nsd.conf"
		[ -n "$first" ] || first=$name
	done
	"$nsd" -c "$dir/nsd.conf" || { cat "$dir/nsd.log" >&2; return 1; }
	# nsd daemonizes; its pid file appears once it has forked.
	for _ in $(seq 1 50); do
		[ -s "$dir/nsd.pid" ] && break
		sleep 0.1
	done
	if [ ! -s "$dir/nsd.pid" ]; then
		echo "nsd did not start" >&2
		cat "$dir/nsd.log" >&2
		return 1
	fi
	NSD_PID=$(cat "$dir/nsd.pid")
	mxw_wait_dns "$port" "$first" || { cat "$dir/nsd.log" >&2; return 1; }
}
