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

# Stop a process by PID: TERM, wait up to 5 s, then KILL.
mxw_stop_pid() {
	local pid=$1 i
	[ -n "$pid" ] || return 0
	kill -0 "$pid" 2>/dev/null || return 0
	kill "$pid" 2>/dev/null || true
	for i in $(seq 1 50); do
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

# Start a private Postfix instance (Debian's binaries, its own config,
# queue and data directories under $WORK/postfix) listening for SMTP on
# 127.0.0.1@PORT, with the milter at 127.0.0.1@MILTER_PORT attached to
# smtpd and non-smtpd mail, and relaying everything to 127.0.0.1@SINK_PORT.
# Real SASL: Cyrus sasldb with the PLAIN and LOGIN mechanisms; add users
# with mxw_postfix_user. Extra main.cf lines may be given in
# MXW_POSTFIX_EXTRA. Needs root (Postfix's master runs as root and drops
# to the postfix user). Sets PF_DIR; stop with mxw_postfix_stop.
mxw_postfix_start() {
	local port=$1 mport=$2 sport=$3
	PF_DIR="$WORK/postfix"
	mkdir -p "$PF_DIR/etc" "$PF_DIR/queue" "$PF_DIR/data" "$PF_DIR/etc/sasl"
	chmod 755 "$WORK" "$PF_DIR"
	chown postfix "$PF_DIR/data"
	cat >"$PF_DIR/etc/sasl/smtpd.conf" <<SASLEOF
pwcheck_method: auxprop
auxprop_plugin: sasldb
sasldb_path: $PF_DIR/etc/sasl/sasldb2
mech_list: PLAIN LOGIN
SASLEOF
	cat >"$PF_DIR/etc/main.cf" <<PFEOF
compatibility_level = 3.6
queue_directory = $PF_DIR/queue
data_directory = $PF_DIR/data
# Postfix only writes its own log file under an allowed prefix.
maillog_file_prefixes = $PF_DIR
maillog_file = $PF_DIR/postfix.log
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = mx.test
mydestination =
alias_maps =
alias_database =
relay_domains = example.org, example.net
relayhost = [127.0.0.1]:$sport
mynetworks = 127.0.0.1/32
smtpd_relay_restrictions = permit_sasl_authenticated,
    permit_auth_destination, reject
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = cyrus
smtpd_sasl_path = smtpd
# Debian's Postfix reads SASL settings from \$config_directory/sasl.
cyrus_sasl_config_path = $PF_DIR/etc/sasl
smtpd_sasl_security_options = noanonymous
smtpd_milters = inet:127.0.0.1:$mport
non_smtpd_milters = inet:127.0.0.1:$mport
milter_default_action = tempfail
milter_protocol = 6
smtp_dns_support_level = disabled
smtp_tls_security_level = none
${MXW_POSTFIX_EXTRA:-}
PFEOF
	# Only smtpd on our port, unchrooted; the rest of master.cf as shipped.
	sed -e "s/^smtp      inet.*/127.0.0.1:$port inet n - n - - smtpd/" \
	    /etc/postfix/master.cf >"$PF_DIR/etc/master.cf"
	postfix -c "$PF_DIR/etc" check >"$PF_DIR/check.log" 2>&1 || true
	postfix -c "$PF_DIR/etc" set-permissions >/dev/null 2>&1 || true
	if ! postfix -c "$PF_DIR/etc" start >"$PF_DIR/start.log" 2>&1; then
		cat "$PF_DIR/check.log" "$PF_DIR/start.log" >&2
		[ -f "$PF_DIR/postfix.log" ] && cat "$PF_DIR/postfix.log" >&2
		return 1
	fi
	for _ in $(seq 1 50); do
		(exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null && return 0
		sleep 0.1
	done
	echo "postfix does not listen on 127.0.0.1:$port" >&2
	cat "$PF_DIR/postfix.log" >&2
	return 1
}

# Add a SASL user (name password) to the private Postfix instance.
mxw_postfix_user() {
	echo "$2" | saslpasswd2 -p -f "$PF_DIR/etc/sasl/sasldb2" -u mx.test -c "$1"
	chown postfix "$PF_DIR/etc/sasl/sasldb2"
	chmod 600 "$PF_DIR/etc/sasl/sasldb2"
}

mxw_postfix_stop() {
	[ -n "${PF_DIR:-}" ] || return 0
	postfix -c "$PF_DIR/etc" stop >/dev/null 2>&1 || true
}

# Start smtp-sink on 127.0.0.1@PORT writing each message it receives to
# a file in DIR. Sets SINK_PID.
mxw_sink_start() {
	mkdir -p "$2"
	chown nobody "$2"
	(cd "$2" && exec smtp-sink -u nobody -d "%M%d%H%S." \
	    127.0.0.1:"$1" 100) &
	SINK_PID=$!
}

# Wait until something accepts TCP connections on 127.0.0.1@PORT (10 s).
mxw_wait_tcp() {
	for _ in $(seq 1 100); do
		(exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
		sleep 0.1
	done
	echo "nothing listens on 127.0.0.1:$1" >&2
	return 1
}

# Start the mxwarden milter ($MXW_BIN) in the background on
# 127.0.0.1@PORT as nobody, with the global options that follow (-c FILE,
# --dns-zone FILE, --now T, ...), appending its log to LOG. Sets MPID;
# returns non-zero if it does not listen within 10 s. A restart with a
# later --now is how these tests let time pass.
mxw_milter_start() {
	local port=$1 log=$2
	shift 2
	"$MXW_BIN" "$@" milter -f --socket "inet:$port@127.0.0.1" \
	    --user nobody 2>>"$log" &
	MPID=$!
	mxw_wait_tcp "$port"
}

# Print the first file in DIR whose content matches PATTERN (grep -e),
# waiting up to SECONDS (default 10).
mxw_delivered() {
	local dir=$1 pat=$2 n=$((${3:-10} * 5)) f
	for _ in $(seq 1 "$n"); do
		f=$(grep -l -e "$pat" "$dir"/* 2>/dev/null | head -n 1)
		[ -n "$f" ] && { echo "$f"; return 0; }
		sleep 0.2
	done
	return 1
}

# Print a master.cf entry for an extra smtpd listener on 127.0.0.1@PORT
# with its own certificate chain file (key and certificates, "" for
# none) and myhostname, plus "-o" overrides given as PARAM=VALUE
# arguments. Append the output to the instance's master.cf.
mxw_pf_listener() {
	local port=$1 chain=$2 host=$3 kv
	shift 3
	printf '127.0.0.1:%s inet n - n - - smtpd\n' "$port"
	[ -z "$chain" ] || printf '  -o smtpd_tls_chain_files=%s\n' "$chain"
	printf '  -o myhostname=%s\n' "$host"
	for kv in "$@"; do
		printf '  -o %s\n' "$kv"
	done
}

# The common start of a Postfix integration script NAME: it needs root
# and Postfix, smtp-sink, swaks, saslpasswd2 plus any further commands
# given; makes $WORK (readable by the milter, which runs as nobody in the
# tests); and on exit stops the processes whose PIDs are in MPID,
# SINK_PID and EXTRA_PIDS and the private Postfix, then removes $WORK
# (kept when MXW_KEEP is set). fail MSG prints the logs and exits 1.
mxw_postfix_test() {
	local name=$1 c
	shift
	[ "$(id -u)" -eq 0 ] || { echo "$name: needs root" >&2; exit 1; }
	for c in postfix smtp-sink swaks saslpasswd2 "$@"; do
		command -v "$c" >/dev/null ||
		    { echo "$name: no $c" >&2; exit 1; }
	done
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/mxw-$name.XXXXXX")
	chmod 755 "$WORK"
	MPID=""; SINK_PID=""; PF_DIR=""; EXTRA_PIDS=""
	trap mxw_postfix_cleanup EXIT
}

mxw_postfix_cleanup() {
	local pid
	for pid in $EXTRA_PIDS; do
		mxw_stop_pid "$pid"
	done
	mxw_postfix_stop
	mxw_stop_pid "$MPID"
	mxw_stop_pid "$SINK_PID"
	[ -n "${MXW_KEEP:-}" ] || rm -rf "$WORK"
}

fail() {
	echo "FAIL: $*"
	[ -f "$WORK/milter.log" ] &&
	    { echo "--- milter log"; tail -n 40 "$WORK/milter.log"; }
	[ -n "${PF_DIR:-}" ] && [ -f "$PF_DIR/postfix.log" ] &&
	    { echo "--- postfix log"; tail -n 30 "$PF_DIR/postfix.log"; }
	exit 1
}

# The common start of an NSD-backed script NAME: needs nsd, makes $WORK,
# and on exit stops $NSD_PID (and EXTRA_PIDS) and removes $WORK.
mxw_nsd_test() {
	local nsd=${NSD:-$(command -v nsd || echo /usr/sbin/nsd)}
	[ -x "$nsd" ] ||
	    { echo "$1: nsd not found (apt-get install nsd)" >&2; exit 1; }
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/mxw-$1.XXXXXX")
	NSD_PID=""; EXTRA_PIDS=""
	trap mxw_nsd_cleanup EXIT
}

mxw_nsd_cleanup() {
	local pid
	for pid in $EXTRA_PIDS; do
		mxw_stop_pid "$pid"
	done
	mxw_stop_pid "$NSD_PID"
	[ -n "${MXW_KEEP:-}" ] || rm -rf "$WORK"
}
