#!/bin/sh
# Entrypoint of the back-office image: runs one service, chosen by $SERVICE or by the first argument.
#
#   (no argument)               -> python -m services.$SERVICE serve --migrate
#   serve [--migrate] | migrate -> python -m services.$SERVICE <those arguments>
#   orders [serve|migrate ...]  -> the same for the named service (overrides $SERVICE)
#   anything else (sh, python…) -> run as given, for debugging
set -eu

case "${1:-}" in
    members|orders|billing)
        SERVICE="$1"
        shift
        ;;
esac

case "${1:-}" in
    "" )
        set -- serve --migrate
        ;;
    serve|migrate|-*)
        ;;
    *)
        exec "$@"
        ;;
esac

case "${SERVICE:-}" in
    members|orders|billing)
        ;;
    *)
        echo "ent-entrypoint: SERVICE must be members, orders or billing (got '${SERVICE:-}')" >&2
        exit 64
        ;;
esac

export SERVICE
exec python -m "services.${SERVICE}" "$@"
