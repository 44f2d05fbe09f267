#!/bin/sh
# Install the Debian packages memsnap needs to build and test, if any is
# missing.  As root it runs apt-get itself; otherwise through sudo (asking
# for a password only when there is a terminal to ask on); failing both, it
# prints the command to run.
set -eu

pkgs="make gcc clang libzstd-dev zstd libelf-dev libyaml-dev libssl-dev
libxxhash-dev libjansson-dev libcapstone-dev libcmocka-dev gdb binutils
python3 python3-yaml elfutils strace time bc luajit valgrind
nodejs default-jre-headless postgresql sqlite3 perl
libyara-dev yara librsvg2-bin"

missing=
for p in $pkgs; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing="$missing $p"
done
# Microsoft's SARIF multitool (npm), for check_sarif_github.sh: that test
# skips without it.  Never fatal: it is a test tool, not a build dependency.
sarif_multitool() {
	node -e 'require("@microsoft/sarif-multitool")' 2>/dev/null ||
		NODE_PATH=$(npm root -g 2>/dev/null) node -e \
			'require("@microsoft/sarif-multitool")' 2>/dev/null && return 0
	if ! command -v npm >/dev/null 2>&1; then
		echo "deps: npm is not installed: the SARIF multitool test will be skipped" >&2
		return 0
	fi
	echo "deps: installing @microsoft/sarif-multitool (npm)" >&2
	$sudo npm install -g --silent @microsoft/sarif-multitool </dev/null >&2 ||
		echo "deps: npm install -g @microsoft/sarif-multitool failed: the SARIF multitool test will be skipped" >&2
}

if [ -z "$missing" ]; then
	sudo=
	[ "$(id -u)" = 0 ] || sudo="sudo -n"
	sarif_multitool
	exit 0
fi

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
sarif_multitool
