#!/usr/bin/env bash
# Deploys the back office in the order its migrations need (README.md):
#   1. the namespace; the Secrets must exist (secrets.example.yaml) — checked, never created here;
#   2. RabbitMQ, and waits until its 3 nodes are ready;
#   3. the migration Jobs (the previous ones deleted first: a Job is immutable), and waits for them;
#   4. everything else (Deployments roll; old pods keep serving until the new ones are ready);
#   5. the PodMonitors and the PrometheusRule, if the Prometheus operator's CRDs are installed.
#
#   deploy/k8s/deploy.sh [production|staging]        (default: production)
set -euo pipefail

overlay="${1:-production}"
here="$(cd "$(dirname "$0")" && pwd)"
dir="$here/overlays/$overlay"
ns=ent-backoffice
[[ -f "$dir/kustomization.yaml" ]] || { echo "no overlay $dir" >&2; exit 64; }

rendered="$(mktemp)"
trap 'rm -f "$rendered"' EXIT
kubectl kustomize "$dir" > "$rendered"

kubectl apply -f "$here/base/namespace.yaml"
for secret in members-db-app members-db-migrator members-amqp orders-db-app orders-db-migrator orders-amqp \
              billing-db-app billing-db-migrator billing-amqp rabbitmq-erlang-cookie rabbitmq-definitions; do
    kubectl -n "$ns" get secret "$secret" > /dev/null || { echo "missing Secret $secret (secrets.example.yaml)" >&2; exit 1; }
done

kubectl apply -f "$rendered" --selector app.kubernetes.io/name=rabbitmq
kubectl -n "$ns" rollout status statefulset/rabbitmq --timeout=15m

kubectl -n "$ns" delete job --selector app.kubernetes.io/component=migrate --ignore-not-found --wait=true
kubectl apply -f "$rendered" --selector app.kubernetes.io/component=migrate
kubectl -n "$ns" wait job --selector app.kubernetes.io/component=migrate --for=condition=complete --timeout=15m

kubectl apply -f "$rendered"
for service in members orders billing; do
    kubectl -n "$ns" rollout status "deployment/$service-api" --timeout=10m
    kubectl -n "$ns" rollout status "deployment/$service-worker" --timeout=10m
done

if kubectl get crd podmonitors.monitoring.coreos.com prometheusrules.monitoring.coreos.com > /dev/null 2>&1; then
    kubectl apply -f "$here/monitoring.yaml" -f "$here/prometheus-rules.yaml"
else
    echo "Prometheus operator CRDs not found: monitoring.yaml and prometheus-rules.yaml not applied" >&2
fi
