#!/bin/sh
# Install every Debian 12 package mxwarden needs to build, test, fuzz and
# benchmark. Idempotent: running it twice changes nothing the second time.
set -eu

BUILD="build-essential cmake pkg-config clang libclang-rt-14-dev
    libssl-dev libunbound-dev libevent-dev libgmime-3.0-dev libpcre2-dev libhyperscan-dev
    liblmdb-dev libhiredis-dev libmilter-dev libconfig-dev libarchive-dev
    libxml2-dev libjansson-dev libidn2-dev libcurl4-openssl-dev
    libmicrohttpd-dev libpsl-dev libcmocka-dev"
TEST="nsd knot-dnsutils ldnsutils miltertest swaks postfix redis-server
    sasl2-bin libsasl2-modules nginx-light
    python3 python3-dkim python3-spf python3-yaml openssl
    spamassassin clamav-daemon zip p7zip-full"

missing=""
for p in $BUILD $TEST; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	    grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
if [ -z "$missing" ]; then
	echo "install-deps: all packages present"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: need root to install:$missing" >&2
	exit 2
fi
export DEBIAN_FRONTEND=noninteractive
# Postfix must not ask questions, and must not become this host's MTA
# just because the tests need its binaries.
echo "postfix postfix/main_mailer_type select No configuration" |
    debconf-set-selections
echo "postfix postfix/mailname string localhost" | debconf-set-selections
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
