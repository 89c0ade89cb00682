#!/usr/bin/env bash
# What can be checked of docker/Dockerfile without a Docker engine: the make
# targets it runs exist in the Makefile, the CLI commands it runs exist, and
# the paths it copies exist.
set -euo pipefail
df=docker/Dockerfile
status=0
for t in $(grep -oE 'make( [a-z-]+)+' "$df" | sed 's/^make //' | tr ' ' '\n' | sort -u); do
	grep -qE "^$t:" Makefile || { echo "Dockerfile runs make $t, which the Makefile lacks"; status=1; }
done
for c in $(grep -oE 'decoding-thoughts(-xla)? [a-z-]+' "$df" | awk '{print $2}' | sort -u); do
	grep -qE "^\s*\"$c\":" cmd/decoding-thoughts/main.go || { echo "Dockerfile runs the command $c, which the CLI lacks"; status=1; }
done
for p in $(grep -E '^COPY ' "$df" | awk '{for (i = 2; i < NF; i++) print $i}'); do
	[ -e "$p" ] || { echo "Dockerfile copies $p, which does not exist"; status=1; }
done
[ $status = 0 ] && echo "docker/Dockerfile: make targets, CLI commands and copied paths exist"
exit $status
