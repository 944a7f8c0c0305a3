#!/bin/sh
# The original README's `docker run` lines, updated: credentials come from an env file rather
# than -e flags (which land in shell history and `ps`), and the image is the scratch one that
# `make image` builds. --net=host lets peekaboo see the host's interfaces (to find its address)
# and, for -wait, its connections.
set -e

# Join the load balancer (ENABLED), as `docker run … rgbkrk/peekaboo` did:
docker run --rm --net=host --env-file /etc/peekaboo.env peekaboo

# Take the node out gently: no new connections, established ones go on:
docker run --rm --net=host --env-file /etc/peekaboo.env peekaboo -drain

# Cut it off, or remove it:
docker run --rm --net=host --env-file /etc/peekaboo.env peekaboo -disable
docker run --rm --net=host --env-file /etc/peekaboo.env peekaboo -delete

# Flags and variables as before, plus the new ones:
docker run --rm --net=host --env-file /etc/peekaboo.env -e APP_PORT=8443 peekaboo -ip 10.176.5.6 -timeout 90s
