#!/bin/sh
# peekaboo from its scratch image, one action per call, as `docker run … rgbkrk/peekaboo` did:
#
#   docker-run.sh                  join the load balancer (ENABLED)
#   docker-run.sh drain            no new connections; established ones go on
#   docker-run.sh disable          cut connections
#   docker-run.sh delete           remove the node
#   docker-run.sh status           only read: is this host's node there?
#   docker-run.sh drain -wait -timeout 90s    any other peekaboo flags follow the action
#
# Credentials come from an env file rather than -e flags (which land in shell history and
# `ps`): PEEKABOO_ENV, default /etc/peekaboo.env. The image is PEEKABOO_IMAGE, default the
# `peekaboo` that `make image` builds. --net=host lets peekaboo see the host's interfaces (to
# find its address) and, for -wait, its connections.
set -eu

action=${1:-join}
[ $# -gt 0 ] && shift
case $action in
  join) set -- "$@" ;;
  drain | disable | delete | status) set -- "-$action" "$@" ;;
  *)
    echo "usage: $0 [join|drain|disable|delete|status] [peekaboo flags...]" >&2
    exit 2
    ;;
esac
exec docker run --rm --net=host --env-file "${PEEKABOO_ENV:-/etc/peekaboo.env}" \
  "${PEEKABOO_IMAGE:-peekaboo}" "$@"
