#!/usr/bin/env bash
# Builds the bench module (and what it depends on) and runs a benchmark.
#   bench/run.sh storage [--quick] [--dir PATH] [...]     (bench/run.sh storage --help for options)
#   bench/run.sh e2e [--quick] [--runs N] [...]           (bench/run.sh e2e --help for options)
#   bench/run.sh delay [--quick] [...]                    (delayed-message lateness under load)
#   bench/run.sh catchup [--mib N] [--runs N]             (a replica's catch-up rate from empty)
#   bench/run.sh soak [--minutes M] [--rate R] [...]      (false downings under load, no fault)
#   bench/run.sh jfr-top FILE.jfr [TOP]                   (summary of a JFR recording)
# JAVA_OPTS adds JVM options of the benchmark JVM, e.g. JAVA_OPTS="-XX:StartFlightRecording=filename=/tmp/b.jfr".
#
# e2e also builds gateway/ and runs from copies: the broker from bench/target/e2e-broker/ (a copy of
# gateway/target/sluice-broker.jar and its lib/), the client side with the reactor jars it needs
# (client-java, protocol, persistence) copied to bench/target/e2e-client/, so concurrent rebuilds of
# other modules cannot change either mid-run. The broker's JVM options are --broker-java-opts
# (default -Xms1g -Xmx2g). BENCH_NO_BUILD=1 skips the build and the copies and reuses the last ones
# (to compare settings on identical code).
set -euo pipefail
cd "$(dirname "$0")/.."

mode="${1:-}"
modules=bench
if [[ "$mode" == "e2e" || "$mode" == "delay" || "$mode" == "catchup" || "$mode" == "soak" ]]; then
  modules=bench,gateway
fi

# (Maven's console still emits colour resets under -q; strip them so they do not land in the output.)
build() {
  mvn -q -B -Dstyle.color=never "$@" -pl "$modules" -am package -Dmaven.test.skip=true 2>&1 \
    | sed -e 's/\x1b\[[0-9;]*m//g' -e '/^$/d'
}
if [[ "${BENCH_NO_BUILD:-}" != "1" ]]; then
  if ! build -o; then
    echo "offline build failed; retrying online" >&2
    build
  fi
fi

classpath="bench/target/classes:$(cat bench/target/classpath.txt)"
java_bin="${JAVA_HOME:+$JAVA_HOME/bin/}java"

extra=()
if [[ "$mode" == "e2e" || "$mode" == "delay" || "$mode" == "catchup" || "$mode" == "soak" ]]; then
  broker_dir=bench/target/e2e-broker
  client_dir=bench/target/e2e-client
  if [[ "${BENCH_NO_BUILD:-}" != "1" ]]; then
    rm -rf "$broker_dir" "$client_dir"
    mkdir -p "$broker_dir" "$client_dir"
    cp gateway/target/sluice-broker.jar "$broker_dir/"
    cp -r gateway/target/lib "$broker_dir/lib"
    cp -r bench/target/classes "$client_dir/classes"
    : > "$client_dir/classpath.txt"
    IFS=':' read -r -a entries <<< "$(cat bench/target/classpath.txt)"
    for entry in "${entries[@]}"; do
      if [[ "$entry" == "$PWD"/* ]]; then   # a reactor module's jar: copy it
        cp "$entry" "$client_dir/"
        entry="$PWD/$client_dir/$(basename "$entry")"
      fi
      printf '%s:' "$entry" >> "$client_dir/classpath.txt"
    done
    git rev-parse --short HEAD > "$client_dir/commit.txt" 2>/dev/null || true
  fi
  classpath="$client_dir/classes:$(cat "$client_dir/classpath.txt")"
  extra=(--broker-jar "$PWD/$broker_dir/sluice-broker.jar")
fi

if git rev-parse --git-dir >/dev/null 2>&1; then
  if [[ "$mode" == "e2e" || "$mode" == "delay" || "$mode" == "catchup" || "$mode" == "soak" ]]; then
    paths=(protocol persistence actors gateway client-java bench)
    dirty=$(git status --porcelain -- "${paths[@]}" | wc -l)
    echo "source:     built from $(cat bench/target/e2e-client/commit.txt 2>/dev/null || echo '?');" \
      "git $(git rev-parse --short HEAD) now, ${dirty} uncommitted file(s) in ${paths[*]}"
  else
    dirty=$(git status --porcelain -- persistence bench | wc -l)
    echo "source:     git $(git rev-parse --short HEAD), ${dirty} uncommitted file(s) in persistence/ and bench/"
  fi
fi
# shellcheck disable=SC2086
exec "$java_bin" -Xms1g -Xmx4g ${JAVA_OPTS:-} -cp "$classpath" io.sluice.bench.BenchMain "$@" "${extra[@]}"
