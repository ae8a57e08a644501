#!/usr/bin/env bash
# Builds the bench module (and what it depends on) and runs a benchmark.
#   bench/run.sh storage [--quick] [--dir PATH] [...]     (bench/run.sh storage --help for options)
# JAVA_OPTS adds JVM options, e.g. JAVA_OPTS="-XX:StartFlightRecording=filename=/tmp/b.jfr".
set -euo pipefail
cd "$(dirname "$0")/.."

build() { mvn -q "$@" -pl bench -am package -Dmaven.test.skip=true; }
if ! build -o; then
  echo "offline build failed; retrying online" >&2
  build
fi

classpath="bench/target/classes:$(cat bench/target/classpath.txt)"
java_bin="${JAVA_HOME:+$JAVA_HOME/bin/}java"

if git rev-parse --git-dir >/dev/null 2>&1; then
  dirty=$(git status --porcelain -- persistence bench | wc -l)
  echo "source:     git $(git rev-parse --short HEAD), ${dirty} uncommitted file(s) in persistence/ and bench/"
fi
# shellcheck disable=SC2086
exec "$java_bin" -Xms1g -Xmx4g ${JAVA_OPTS:-} -cp "$classpath" io.sluice.bench.BenchMain "$@"
