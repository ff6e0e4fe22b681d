#!/usr/bin/env bash
# JMH micro-benchmarks of the event kernel and the fair-share solver, for BENCHMARKS.md.
# Usage: bench/run-jmh.sh [extra JMH args...]
#   bench/run-jmh.sh                           # everything, about 5 minutes on 2 cores
#   bench/run-jmh.sh EventQueueBenchmark       # one class (any JMH regex)
#   bench/run-jmh.sh -p flows=1000 FairShare   # one parameter value
#   bench/run-jmh.sh -i 10 -r 5s               # a longer, quieter run: your option replaces the default
#   bench/run-jmh.sh -h                        # JMH's own help
# Defaults: one fork, 3 x 2 s warm-up and 5 x 2 s measurement iterations per configuration, -prof gc
# (adds gc.alloc.rate.norm, bytes allocated per operation), JSON results in $JMH_RESULT
# (default target/jmh-result.json). JMH rejects an option given twice, so a default is dropped when
# the same option appears among the extra arguments.
#
# Note: the bench profile compiles src/jmh/java into the same target/classes as the main build, so do
# not run this while another mvn build of this work tree is running. A later plain `mvn package`
# recompiles and drops the benchmark classes again.
set -euo pipefail
cd "$(dirname "$0")/.."

mvn -B -q -Pbench -DskipTests package

args=("$@")
has_option() {
  local a
  for a in "${args[@]+"${args[@]}"}"; do
    [[ $a == "$1" ]] && return 0
  done
  return 1
}
has_gc_profiler() {
  local i
  for ((i = 0; i + 1 < ${#args[@]}; i++)); do
    [[ ${args[i]} == -prof && ${args[i + 1]} == gc* ]] && return 0
  done
  return 1
}

defaults=()
default() {
  has_option "$1" || defaults+=("$@")
}
default -f 1
default -wi 3
default -w 2s
default -i 5
default -r 2s
default -rf json
default -rff "${JMH_RESULT:-target/jmh-result.json}"
has_gc_profiler || defaults+=(-prof gc)

exec java -jar target/bench/xpusim-benchmarks.jar "${defaults[@]}" "${args[@]+"${args[@]}"}"
