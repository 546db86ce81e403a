#!/bin/sh
# Creates Reelflow's topics on a production Kafka cluster before the services first start:
# 12 partitions (the most instances of one service that all get work from a topic), replicated
# 3 times. The services create a missing topic themselves, but with a replication factor of 1,
# which a cluster that loses a broker would lose it with; they leave existing topics alone.
#
#   BOOTSTRAP=kafka-0:9092 deploy/production/create-topics.sh            # Kafka's bin/ on PATH
#   BOOTSTRAP=... NAMESPACE=staging KAFKA_TOPICS=/opt/kafka/bin/kafka-topics.sh deploy/production/create-topics.sh
#
# NAMESPACE is REELFLOW_KAFKA_NAMESPACE (a prefix: `staging.script.events`). Event topics keep
# their records for ever: they are the log the read models are rebuilt from. The list below is
# checked against the topics the services use by tests/unit/test_deploy_manifests.py.
set -eu
: "${BOOTSTRAP:?set BOOTSTRAP to the Kafka bootstrap servers}"
KAFKA_TOPICS="${KAFKA_TOPICS:-kafka-topics.sh}"
PARTITIONS="${PARTITIONS:-12}"
REPLICATION="${REPLICATION:-3}"
PREFIX="${NAMESPACE:+$NAMESPACE.}"

for topic in \
  script.commands script.events \
  scene.commands scene.events \
  image.commands image.events \
  video.commands video.events \
  operation.events \
  script-service.dlq scene-service.dlq image-service.dlq video-service.dlq video-storyboard.dlq \
  gateway-operations.dlq gateway-read-model.dlq
do
  "$KAFKA_TOPICS" --bootstrap-server "$BOOTSTRAP" --create --if-not-exists --topic "$PREFIX$topic" \
    --partitions "$PARTITIONS" --replication-factor "$REPLICATION" \
    --config retention.ms=-1 --config min.insync.replicas=2
done
