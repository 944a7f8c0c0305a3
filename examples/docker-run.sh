#!/bin/sh
# peekaboo from its scratch image, one action per call, as `docker run … rgbkrk/peekaboo` did:
#
#   docker-run.sh                  join the load balancer (ENABLED)
#   docker-run.sh drain            no new connections; established ones go on
#   docker-run.sh disable          cut connections
#   docker-run.sh delete           remove the node
#   docker-run.sh status           only read: is this host's node there?
#   docker-run.sh drain -wait -timeout 90s    any other peekaboo flags follow the action
#   docker-run.sh watch -health http://127.0.0.1:8080/health
#                                  stay beside the app in the background (peekaboo -watch):
#                                  in the pool while healthy; `docker stop peekaboo-watch`
#                                  drains the node, then deletes it
#
# Credentials come from an env file rather than -e flags (which land in shell history and
# `ps`): PEEKABOO_ENV, default /etc/peekaboo.env. The image is PEEKABOO_IMAGE, default the
# `peekaboo` that `make image` builds. --net=host lets peekaboo see the host's interfaces (to
# find its address) and, for -wait, its connections.
#
# watch runs detached, named PEEKABOO_NAME (default peekaboo-watch), restarted by docker unless
# stopped. docker stop kills it PEEKABOO_STOP_TIMEOUT seconds after its SIGTERM (default 130):
# more than the leave may take, which -timeout bounds (default 2m), plus 10 s.
set -eu

action=${1:-join}
[ $# -gt 0 ] && shift
case $action in
  join) set -- "$@" ;;
  drain | disable | delete | status) set -- "-$action" "$@" ;;
  watch)
    exec docker run -d --name "${PEEKABOO_NAME:-peekaboo-watch}" --net=host \
      --restart=unless-stopped --stop-timeout "${PEEKABOO_STOP_TIMEOUT:-130}" \
      --env-file "${PEEKABOO_ENV:-/etc/peekaboo.env}" "${PEEKABOO_IMAGE:-peekaboo}" -watch "$@"
    ;;
  *)
    echo "usage: $0 [join|drain|disable|delete|status|watch] [peekaboo flags...]" >&2
    exit 2
    ;;
esac
exec docker run --rm --net=host --env-file "${PEEKABOO_ENV:-/etc/peekaboo.env}" \
  "${PEEKABOO_IMAGE:-peekaboo}" "$@"
