#!/usr/bin/env bash
# Runs the partition suite (it/ tests tagged "partitions": nodes in network namespaces, faults by
# nftables rules on a bridge). Needs root, iproute2 and nftables; installs nftables with apt-get
# when `nft` is missing. The tests skip, saying why, where namespaces cannot be made.
#   it/partitions.sh            # offline Maven (the local repository is warm)
#   it/partitions.sh --online   # let Maven download what it lacks
set -euo pipefail
cd "$(dirname "$0")/.."

offline=-o
for arg in "$@"; do
  case "$arg" in
    --online) offline= ;;
    *) echo "unknown option: $arg (only --online)" >&2; exit 2 ;;
  esac
done

if ! command -v nft >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "partitions.sh: nft not found, installing nftables with apt-get"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q nftables
  else
    echo "partitions.sh: nft not found and cannot install it (needs root and apt-get): the suite will skip"
  fi
fi

# -Dtest keeps the modules it/ depends on from running their own tests; inside it/, the profile
# selects the tests tagged "partitions".
status=0
mvn $offline -B -pl it -am verify -Ppartitions \
  -Dtest='io/sluice/it/**' -Dsurefire.failIfNoSpecifiedTests=false || status=$?
# surefire keeps test output in files: show the measurements and any reason for skipping
grep -h '^\[it\] partition' it/target/surefire-reports/*-output.txt 2>/dev/null || true
exit $status
