#!/bin/sh
# Install the Debian packages memsnap needs to build and test, if any is
# missing.  As root it runs apt-get itself; otherwise through sudo (asking
# for a password only when there is a terminal to ask on); failing both, it
# prints the command to run.
set -eu

pkgs="make gcc clang libzstd-dev zstd libelf-dev libyaml-dev nettle-dev
libxxhash-dev libjansson-dev libcapstone-dev libcmocka-dev gdb binutils
python3 python3-yaml elfutils strace time bc luajit valgrind
nodejs default-jre-headless postgresql sqlite3 perl
libyara-dev yara librsvg2-bin"

missing=
for p in $pkgs; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "deps: installing:$missing" >&2
cmd="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" = 0 ]; then
	sudo=
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
	sudo="sudo -n"
elif command -v sudo >/dev/null 2>&1 && [ -t 0 ]; then
	sudo=sudo
else
	echo "deps: missing packages; run as root:" >&2
	echo "  apt-get update && $cmd" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq </dev/null >&2 || true
$sudo apt-get install -y -qq --no-install-recommends $missing </dev/null >&2
