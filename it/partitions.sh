#!/usr/bin/env bash
# Runs the partition suite (it/ tests tagged "partitions": nodes in network namespaces, faults by
# nftables rules on a bridge). Needs root, iproute2 and nftables; installs nftables with apt-get
# when `nft` is missing. The tests skip, saying why, where namespaces cannot be made.
#   it/partitions.sh            # offline Maven (the local repository is warm)
#   it/partitions.sh --online   # let Maven download what it lacks
#   it/partitions.sh --runs 5   # every scenario of ReplicatedPartitionTest 5 times in a row
#   it/partitions.sh --test ReplicatedPartitionTest#masterAndControllerKilledTogether   # one class or method
set -euo pipefail
cd "$(dirname "$0")/.."

offline=-o
runs=1
tests='io/sluice/it/**'
while [ $# -gt 0 ]; do
  case "$1" in
    --online) offline= ;;
    --runs) runs="$2"; shift ;;
    --test) tests="$2"; shift ;;
    *) echo "unknown option: $1 (--online, --runs N, --test Class[#method])" >&2; exit 2 ;;
  esac
  shift
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
mvn $offline -B -pl it -am verify -Ppartitions -Dsluice.it.partition.runs="$runs" \
  -Dtest="$tests" -Dsurefire.failIfNoSpecifiedTests=false || status=$?
# surefire keeps test output in files: show the measurements and any reason for skipping
grep -h '^\[it\] partition' it/target/surefire-reports/*-output.txt 2>/dev/null || true
exit $status
